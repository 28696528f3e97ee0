// Package s3test runs a real S3 implementation for the tests of ferry's S3
// source and sink: versitygw (github.com/versity/versitygw) embedded in the
// test process through its embedgw package, serving a posix backend in a
// temporary directory on a loopback port with SigV4 authentication. Setting
// FERRY_TEST_S3_ENDPOINT (with its credentials and, for HTTPS, a CA file)
// points the same tests at a server of their own instead, which is how
// scripts/versitygw-tls.sh runs them over TLS.
//
//	var srv *s3test.Server
//
//	func TestMain(m *testing.M) { s3test.Main(m, &srv) }
//
//	func TestX(t *testing.T) {
//		bucket := s3test.Need(t, srv).NewBucket(t) // one bucket per test
//		…
//	}
package s3test
