package blob

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	gcaws "gocloud.dev/aws"
	"gocloud.dev/blob/s3blob"
)

// openS3 opens the bucket named by u's host on an S3-compatible service, e.g.
//
//	s3://portico-files?endpoint=http://127.0.0.1:7070&region=us-east-1&use_path_style=true
//
// Query parameters:
//   - endpoint: the service's base URL (default: AWS itself);
//   - region: the bucket's region (default: AWS_REGION or the shared config);
//   - use_path_style=true: address the bucket as endpoint/bucket rather than
//     as a bucket.endpoint host name, as most self-hosted services need;
//   - access_key and secret_key, both or neither: fixed credentials, meant for
//     tests. Without them the AWS SDK's standard chain applies:
//     AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, the shared config files, a
//     role of the machine;
//   - any other parameter of gocloud.dev/aws.V2ConfigFromURLParams (profile,
//     request_checksum_calculation=when_required for services that reject the
//     SDK's default checksums, …).
//
// It lists the bucket once, so a wrong endpoint, bucket or credential fails
// here, at startup, rather than at the first upload. The credentials need
// s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject and
// s3:AbortMultipartUpload on the bucket.
func openS3(ctx context.Context, u *url.URL) (Store, error) {
	bucket := u.Host
	if bucket == "" {
		return nil, errors.New("blob: open s3 location: no bucket (want s3://bucket?…)")
	}
	name := fmt.Sprintf("s3 bucket %q", bucket)
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("blob: open %s: a key prefix in the path is not supported", name)
	}
	q := u.Query()
	accessKey, secretKey := q.Get("access_key"), q.Get("secret_key")
	q.Del("access_key")
	q.Del("secret_key")
	if (accessKey == "") != (secretKey == "") {
		return nil, fmt.Errorf("blob: open %s: access_key and secret_key go together", name)
	}
	pathStyle := false
	if v := q.Get("use_path_style"); v != "" {
		var err error
		if pathStyle, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("blob: open %s: use_path_style=%q is not a boolean", name, v)
		}
		q.Del("use_path_style")
	}

	cfg, err := gcaws.V2ConfigFromURLParams(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", name, err)
	}
	if accessKey != "" {
		cfg.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""))
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = pathStyle
		o.APIOptions = append(o.APIOptions, abortOutlivesCancel)
	})
	b, err := s3blob.OpenBucket(ctx, client, bucket, &s3blob.Options{
		// The uploader does not take this from the client; see s3blob's URLOpener.
		RequestChecksumCalculation: cfg.RequestChecksumCalculation,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", name, err)
	}
	ok, err := b.IsAccessible(ctx)
	if err == nil && !ok {
		err = errors.New("no such bucket")
	}
	if err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("blob: open %s: %w", name, err)
	}
	return &store{b: b, name: name}, nil
}

// abortTimeout bounds an AbortMultipartUpload sent after a cancellation.
const abortTimeout = 30 * time.Second

// abortOutlivesCancel lets AbortMultipartUpload run on a context that is not
// cancelled. Put aborts an upload by cancelling its context (the gocloud way);
// over 16 MiB the upload is a multipart one, and the uploader then sends its
// AbortMultipartUpload on that same, cancelled context, so without this the
// abort never leaves and the unfinished upload stays in the bucket, its parts
// stored and billed.
func abortOutlivesCancel(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("PorticoAbortOutlivesCancel",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if _, ok := in.Parameters.(*s3.AbortMultipartUploadInput); ok && ctx.Err() != nil {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
				defer cancel()
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}
