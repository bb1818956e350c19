package domain

import "time"

// Post kinds.
const (
	PostKindPost   = "post"
	PostKindReply  = "reply"
	PostKindSystem = "system"
)

// MaxPostLen bounds a post's body (characters).
const MaxPostLen = 20000

// Post is a root post or a reply of a project's activity feed. A thread is a root and its
// replies; Private is the thread's privacy, Internal marks a provider-only reply.
type Post struct {
	ID         string
	AccountID  string
	ProjectID  string
	ThreadID   string
	AuthorID   string // "" for system posts
	AuthorName string
	Kind       string
	Body       string
	Private    bool
	Internal   bool
	Pinned     bool
	TaskID     string
	CreatedAt  time.Time
	EditedAt   *time.Time
	Mentions   []string // user ids
	Files      []File
}

// IsRoot reports whether the post starts a thread.
func (p Post) IsRoot() bool { return p.ID == p.ThreadID }

// File is an uploaded file. It belongs to exactly one post and is visible exactly when the post is.
type File struct {
	ID          string
	AccountID   string
	ProjectID   string
	PostID      string
	ThreadID    string
	UploaderID  string
	Name        string
	ContentType string
	Size        int64
	BlobKey     string
	CreatedAt   time.Time
}

// Notification tells a user about a post they may see.
type Notification struct {
	ID          string
	UserID      string
	AccountID   string
	ProjectID   string
	ProjectName string
	PostID      string
	ThreadID    string
	Kind        string // "post", "reply", "mention", "system", "recipient"
	Excerpt     string
	ActorName   string
	CreatedAt   time.Time
	ReadAt      *time.Time
}

// E-mail modes of notification preferences.
const (
	EmailInstant = "instant"
	EmailDaily   = "daily"
	EmailOff     = "off"
)
