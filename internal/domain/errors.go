// Package domain holds Portico's core types, their validation and the error kinds every other
// package speaks. It imports nothing internal and knows nothing of SQL or HTTP.
package domain

import (
	"errors"
	"fmt"
)

// Error codes: a small closed set that transports map to statuses in exactly one place each.
const (
	EINVALID      = "invalid"      // the input is wrong; Fields says where
	ENOTFOUND     = "not_found"    // does not exist, or the caller may not see it
	ECONFLICT     = "conflict"     // duplicate or stale
	EFORBIDDEN    = "forbidden"    // the caller sees the thing but may not do this
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	ETOOMANY      = "too_many"     // throttled; RetryAfter says how long
	ETOOLARGE     = "too_large"    // request body or upload over the limit
	EINTERNAL     = "internal"     // a bug or an outage; never shown to the client in detail
	EGONE         = "gone"         // a link that was valid once (used or expired invitation)
)

// FieldError names one invalid input field and says what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type of the application. Message is safe to show to the caller;
// Err is the internal cause, logged but never shown.
type Error struct {
	Code       string
	Message    string
	Fields     []FieldError
	RetryAfter int // seconds, for ETOOMANY
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with a code and a safe, formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound is the error for a thing that does not exist or that the caller may not see:
// both answer alike so that existence never leaks.
func NotFound(what string) *Error { return Errorf(ENOTFOUND, "%s not found", what) }

// Forbidden is the error for a visible thing the caller may not act on.
func Forbidden(format string, args ...any) *Error { return Errorf(EFORBIDDEN, format, args...) }

// Invalid builds an EINVALID error from field errors.
func Invalid(fields ...FieldError) *Error {
	msg := "the request is invalid"
	if len(fields) == 1 {
		msg = fields[0].Field + ": " + fields[0].Message
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of err; internal errors get a generic one.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// Validator collects field errors so that one response can report them all.
type Validator struct{ Fields []FieldError }

// Add records a problem with a field.
func (v *Validator) Add(field, message string) {
	v.Fields = append(v.Fields, FieldError{field, message})
}

// Check records the message when ok is false.
func (v *Validator) Check(ok bool, field, message string) {
	if !ok {
		v.Add(field, message)
	}
}

// Err returns the collected problems as one EINVALID error, or nil.
func (v *Validator) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return Invalid(v.Fields...)
}
