package s3

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ferry-dev/ferry/internal/redact"
)

// Config says how to reach S3. The zero value uses the AWS default chain:
// credentials and region from the environment, the shared config and
// credentials files (AWS_PROFILE) and, on EC2, the instance metadata
// service.
type Config struct {
	// Region overrides the region of the environment or profile (--region).
	Region string
	// Endpoint is the base URL of an S3-compatible store (--s3-endpoint),
	// e.g. http://127.0.0.1:7070. Without a region, us-east-1 is assumed.
	Endpoint string
	// PathStyle addresses buckets as https://host/bucket/key instead of
	// https://bucket.host/key (--s3-path-style); most S3-compatible stores
	// need it.
	PathStyle bool
	// MaxAttempts bounds the attempts of one request, retries included;
	// default 10. Throttling (503 SlowDown), 5xx answers and broken
	// connections are retried with jittered exponential backoff.
	MaxAttempts int
	// MaxBackoff caps the wait between two attempts; default 20s.
	MaxBackoff time.Duration
	// Credentials, when set, replace the default credential chain.
	Credentials aws.CredentialsProvider
	// HTTPClient, when set, sends the requests (tests, custom TLS roots).
	HTTPClient aws.HTTPClient
}

// ErrNoRegion is returned when no region is configured anywhere and no
// endpoint is given.
var ErrNoRegion = errors.New("no AWS region: set --region, AWS_REGION or a profile's region")

// NewClient returns an S3 client for c. Requests that are throttled or fail
// for a transient reason are retried with backoff; the client-side retry
// quota is off, so that a long export under throttling slows down rather
// than fails.
func NewClient(ctx context.Context, c Config) (*s3.Client, error) {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 10
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 20 * time.Second
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("s3 endpoint %q: want http://host[:port] or https://host[:port]", redact.URL(c.Endpoint))
		}
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = c.MaxAttempts
				o.MaxBackoff = c.MaxBackoff
				o.RateLimiter = ratelimit.None
			})
		}),
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(c.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		if c.Endpoint == "" {
			return nil, ErrNoRegion
		}
		cfg.Region = "us-east-1"
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(strings.TrimRight(c.Endpoint, "/"))
		}
		o.UsePathStyle = c.PathStyle
		// A ranged GET (Parquet read by row group) carries no whole-object
		// checksum; the SDK would log that on stderr for every request.
		o.DisableLogOutputChecksumValidationSkipped = true
		if c.HTTPClient != nil {
			// Set here rather than in the loaded configuration, which would
			// insist on adding AWS_CA_BUNDLE to a client it cannot change.
			o.HTTPClient = c.HTTPClient
		}
	}), nil
}

// ErrLocation is returned for a location that is not s3://bucket[/key].
var ErrLocation = errors.New("not an s3:// location")

// ParseLocation splits "s3://bucket/some/key" into its bucket and key
// ("some/key"; empty for the whole bucket).
func ParseLocation(loc string) (bucket, key string, err error) {
	rest, ok := strings.CutPrefix(loc, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%w: %q", ErrLocation, loc)
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" || strings.ContainsAny(bucket, "*?[") {
		return "", "", fmt.Errorf("%w: %q has no bucket name", ErrLocation, loc)
	}
	return bucket, key, nil
}
