package s3test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/versity/versitygw/backend/meta"
	"github.com/versity/versitygw/backend/posix"
	"github.com/versity/versitygw/embedgw"
	"github.com/versity/versitygw/s3api"
)

// Environment variables that point the tests at an S3 server of their own
// instead of the embedded one (scripts/versitygw-tls.sh sets them).
const (
	// EnvEndpoint is the server's URL, e.g. https://127.0.0.1:7071.
	EnvEndpoint = "FERRY_TEST_S3_ENDPOINT"
	// EnvAccessKey and EnvSecretKey are its SigV4 credentials.
	EnvAccessKey = "FERRY_TEST_S3_ACCESS_KEY"
	EnvSecretKey = "FERRY_TEST_S3_SECRET_KEY"
	// EnvCA names a PEM file with the certificate that signs the server's,
	// for a self-signed HTTPS endpoint.
	EnvCA = "FERRY_TEST_S3_CA"
)

// Region is the region the servers report and the clients sign for.
const Region = "us-east-1"

// Server is a running S3 implementation for tests: the embedded versitygw
// gateway, or an external server named by EnvEndpoint.
type Server struct {
	// Endpoint is the base URL clients send requests to.
	Endpoint string
	// AccessKey and SecretKey are the SigV4 credentials of its root user.
	AccessKey, SecretKey string
	// HTTPClient trusts the server's certificate (EnvCA) when it has one.
	HTTPClient *http.Client

	stop    context.CancelFunc
	done    chan error
	root    string
	buckets atomic.Int64
}

// Start starts the embedded gateway on a loopback port, serving a posix
// backend in a fresh temporary directory, or connects to the server named
// by EnvEndpoint. Only one embedded gateway can run in a process, so call
// it once, from TestMain (see Main).
//
// The posix backend changes the process's working directory to its root;
// Start restores it, but the backend resolves buckets against the working
// directory, so tests must not change it.
func Start() (*Server, error) {
	if ep := os.Getenv(EnvEndpoint); ep != "" {
		return external(ep)
	}
	root, err := os.MkdirTemp("", "ferry-s3test-")
	if err != nil {
		return nil, fmt.Errorf("s3test: %w", err)
	}
	s := &Server{AccessKey: "ferry-test", SecretKey: "ferry-test-secret-key", root: root, done: make(chan error, 1),
		HTTPClient: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}}
	if err := s.run(); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	return s, nil
}

func (s *Server) run() error {
	wd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("s3test: %w", err)
	}
	be, err := posix.New(s.root, meta.XattrMeta{}, posix.PosixOpts{})
	if chdirErr := os.Chdir(wd); err == nil && chdirErr != nil {
		err = chdirErr
	}
	if err != nil {
		return fmt.Errorf("s3test: posix backend: %w", err)
	}
	// The gateway binds the port itself; take a free one and retry if
	// another process grabs it first.
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		ready := make(chan struct{})
		ctx, cancel := context.WithCancel(context.Background())
		cfg := &embedgw.Config{
			RootUserAccess:    s.AccessKey,
			RootUserSecret:    s.SecretKey,
			Region:            Region,
			Ports:             []string{"127.0.0.1:" + port},
			MaxConnections:    1000,
			MaxRequests:       1000,
			MultipartMaxParts: 10000,
			Quiet:             true,
			KeepAlive:         true,
			S3Options:         []s3api.Option{s3api.WithOnListen(func() { close(ready) })},
		}
		go func() { s.done <- embedgw.RunVersityGW(ctx, be, cfg) }()
		select {
		case <-ready:
			s.stop = cancel
			s.Endpoint = "http://127.0.0.1:" + port
			return nil
		case err := <-s.done:
			cancel()
			if attempt < 3 && err != nil && strings.Contains(err.Error(), "address already in use") {
				continue
			}
			return fmt.Errorf("s3test: start versitygw: %w", err)
		case <-time.After(30 * time.Second):
			cancel()
			return errors.New("s3test: versitygw did not start within 30s")
		}
	}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("s3test: find a free port: %w", err)
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

func external(endpoint string) (*Server, error) {
	s := &Server{
		Endpoint:   endpoint,
		AccessKey:  os.Getenv(EnvAccessKey),
		SecretKey:  os.Getenv(EnvSecretKey),
		HTTPClient: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
	}
	if s.AccessKey == "" || s.SecretKey == "" {
		return nil, fmt.Errorf("s3test: %s is set but %s or %s is not", EnvEndpoint, EnvAccessKey, EnvSecretKey)
	}
	if ca := os.Getenv(EnvCA); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("s3test: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("s3test: %s holds no PEM certificate", ca)
		}
		s.HTTPClient.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return s, nil
}

// Close stops the embedded gateway and removes its files.
func (s *Server) Close() error {
	if s.stop == nil {
		return nil
	}
	s.stop()
	err := <-s.done
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	if rerr := os.RemoveAll(s.root); err == nil {
		err = rerr
	}
	return err
}

// TLS reports whether the server is reached over HTTPS.
func (s *Server) TLS() bool { return strings.HasPrefix(s.Endpoint, "https://") }

// Credentials returns the server's static SigV4 credentials.
func (s *Server) Credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, "")
}

// Client returns an S3 client of the server, path-style, with fn applied
// last.
func (s *Server) Client(fn ...func(*s3.Options)) *s3.Client {
	return s3.New(s3.Options{
		Region:       Region,
		Credentials:  s.Credentials(),
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		HTTPClient:   s.HTTPClient,
	}, fn...)
}

// NewBucket creates an empty bucket for one test and removes it, with
// whatever the test left in it, when the test ends.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := bucketName(t.Name(), s.buckets.Add(1))
	c := s.Client()
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	t.Cleanup(func() { Empty(context.Background(), c, name, true) })
	return name
}

// bucketName derives a valid, unique bucket name from a test name.
func bucketName(test string, n int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "t%d-", n)
	dash := false
	for _, r := range strings.ToLower(test) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.TrimRight(b.String(), "-")
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	return name
}

// Empty deletes every object and incomplete multipart upload in bucket, and
// the bucket too when remove is set. It is best effort, for cleanups.
func Empty(ctx context.Context, c *s3.Client, bucket string, remove bool) {
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: &bucket})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			break
		}
		for _, o := range page.Contents {
			c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: o.Key})
		}
	}
	if ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &bucket}); err == nil {
		for _, u := range ups.Uploads {
			c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &bucket, Key: u.Key, UploadId: u.UploadId})
		}
	}
	if remove {
		c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket})
	}
}

// Main runs a package's tests against a server started for them, and stops
// it afterwards. Under -short it runs them without one; Get then returns
// nil and tests that need S3 skip.
//
//	var srv *s3test.Server
//	func TestMain(m *testing.M) { s3test.Main(m, &srv) }
func Main(m *testing.M, srv **Server) {
	code := func() int {
		flag.Parse()
		if !testing.Short() || os.Getenv(EnvEndpoint) != "" {
			s, err := Start()
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			defer s.Close()
			*srv = s
		}
		return m.Run()
	}()
	os.Exit(code)
}

// Need skips t when no server runs (under -short) and returns the server.
func Need(t testing.TB, srv *Server) *Server {
	t.Helper()
	if srv == nil {
		t.Skip("no S3 server under -short")
	}
	return srv
}
