package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCA is a private certificate authority that issues certificates for
// 127.0.0.1 and localhost.
type testCA struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
}

func newTestCA(t *testing.T) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1000),
		Subject:               pkix.Name{CommonName: "Test CA"},
		NotBefore:             time.Now().Add(-48 * time.Hour),
		NotAfter:              time.Now().Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{key, cert}
}

// issue returns a new key and the chain of its certificate (the
// certificate, then the CA's), as PEM: certbot's privkey.pem and
// fullchain.pem.
func (ca testCA) issue(t *testing.T, serial int64, notBefore, notAfter time.Time) (chain, key []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, k.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	chain = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})...)
	return chain, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8})
}

// valid issues a certificate valid from an hour ago for a day.
func (ca testCA) valid(t *testing.T, serial int64) (chain, key []byte) {
	return ca.issue(t, serial, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
}

// reloaderUnderTest is a certReloader on a clock of the test's, and its
// log.
type reloaderUnderTest struct {
	r     *certReloader
	clock time.Time
	log   bytes.Buffer
}

func newReloaderUnderTest(t *testing.T, certFile, keyFile string) *reloaderUnderTest {
	t.Helper()
	r, err := loadCertReloader(certFile, keyFile, "")
	if err != nil {
		t.Fatal(err)
	}
	rt := &reloaderUnderTest{r: r, clock: time.Now()}
	r.now = func() time.Time { return rt.clock }
	r.logger = slog.New(slog.NewTextHandler(&rt.log, nil))
	return rt
}

// handshake returns the serial number of the certificate a handshake
// gets, and the number of certificates in its chain.
func (rt *reloaderUnderTest) handshake(t *testing.T) (serial int64, chain int) {
	t.Helper()
	c, err := rt.r.getCertificate(&tls.ClientHelloInfo{})
	if err != nil || c == nil {
		t.Fatalf("getCertificate: %v, %v", c, err)
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if c.PrivateKey.(*ecdsa.PrivateKey).PublicKey.Equal(leaf.PublicKey) == false {
		t.Fatalf("certificate %d served with another key", leaf.SerialNumber)
	}
	return leaf.SerialNumber.Int64(), len(c.Certificate)
}

// later is the next check's handshake: the clock moves on by the
// interval first.
func (rt *reloaderUnderTest) later(t *testing.T) (serial int64, chain int) {
	t.Helper()
	rt.clock = rt.clock.Add(certCheckInterval)
	return rt.handshake(t)
}

// count returns how many lines of the log hold s.
func (rt *reloaderUnderTest) count(s string) int {
	return strings.Count(rt.log.String(), s)
}

// relink points the symbolic link name to target as certbot does: a new
// link renamed over the old.
func relink(t *testing.T, target, name string) {
	t.Helper()
	tmp := name + ".new"
	if err := os.Symlink(target, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		t.Fatal(err)
	}
}

// TestTLSReloadCertbot renews a certificate as certbot does: new files in
// archive/, then the links in live/ pointed to them, one after the other.
func TestTLSReloadCertbot(t *testing.T) {
	ca := newTestCA(t)
	dir := t.TempDir()
	archive := filepath.Join(dir, "archive", "example.com")
	live := filepath.Join(dir, "live", "example.com")
	for _, d := range []string{archive, live} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	issue := func(n int64) {
		chain, key := ca.valid(t, n)
		writeFile(t, filepath.Join(archive, "fullchain"+big.NewInt(n).String()+".pem"), string(chain))
		writeFile(t, filepath.Join(archive, "privkey"+big.NewInt(n).String()+".pem"), string(key))
	}
	issue(1)
	fullchain, privkey := filepath.Join(live, "fullchain.pem"), filepath.Join(live, "privkey.pem")
	relink(t, "../../archive/example.com/fullchain1.pem", fullchain)
	relink(t, "../../archive/example.com/privkey1.pem", privkey)

	rt := newReloaderUnderTest(t, fullchain, privkey)
	if s, _ := rt.handshake(t); s != 1 {
		t.Fatalf("served certificate %d at the start, want 1", s)
	}
	issue(2)
	relink(t, "../../archive/example.com/fullchain2.pem", fullchain)
	if s, _ := rt.handshake(t); s != 1 {
		t.Errorf("served certificate %d before the interval passed, want 1", s)
	}
	// The certificate is new, the key is not yet: the pair does not
	// match, and the old pair is served, without a word at first (a
	// renewal caught half-way), then with one, once.
	for i := range 3 {
		if s, _ := rt.later(t); s != 1 {
			t.Errorf("check %d, certificate and key not matching: served certificate %d, want 1", i, s)
		}
	}
	if n := rt.count("does not match"); n != 1 {
		t.Errorf("%d lines say the pair does not match, want 1:\n%s", n, rt.log.String())
	}
	relink(t, "../../archive/example.com/privkey2.pem", privkey)
	if s, chain := rt.later(t); s != 2 || chain != 2 {
		t.Errorf("after the renewal: served certificate %d with %d in its chain, want 2 with 2", s, chain)
	}
	if n := rt.count("TLS certificate loaded again"); n != 1 {
		t.Errorf("%d lines say the certificate was loaded, want 1:\n%s", n, rt.log.String())
	}

	// A link to a file that is not there yet.
	relink(t, "../../archive/example.com/fullchain3.pem", fullchain)
	for range 3 {
		if s, _ := rt.later(t); s != 2 {
			t.Errorf("link to no file: served certificate %d, want 2", s)
		}
	}
	if n := rt.count(`--tls-cert \"` + fullchain + `\": no such file or directory`); n != 1 {
		t.Errorf("%d lines say the file is missing, want 1:\n%s", n, rt.log.String())
	}
	issue(3)
	relink(t, "../../archive/example.com/privkey3.pem", privkey)
	if s, _ := rt.later(t); s != 3 {
		t.Errorf("after the second renewal: served certificate %d, want 3", s)
	}
}

// newReloaderOfFiles is a reloaderUnderTest of the files certFile and
// keyFile, which hold the certificate of serial 1 that ca issued, and its
// key.
func newReloaderOfFiles(t *testing.T) (ca testCA, rt *reloaderUnderTest, certFile, keyFile string, key []byte) {
	t.Helper()
	ca = newTestCA(t)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	chain, key := ca.valid(t, 1)
	writeFile(t, certFile, string(chain))
	writeFile(t, keyFile, string(key))
	return ca, newReloaderUnderTest(t, certFile, keyFile), certFile, keyFile, key
}

// TestTLSReloadBadFiles replaces the files in place with files the server
// must not serve: the old pair is served until they are good.
func TestTLSReloadBadFiles(t *testing.T) {
	ca, rt, certFile, keyFile, key := newReloaderOfFiles(t)
	rt.handshake(t)

	chain2, key2 := ca.valid(t, 2)
	expired, expiredKey := ca.issue(t, 3, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour))
	early, earlyKey := ca.issue(t, 4, time.Now().Add(time.Hour), time.Now().Add(48*time.Hour))
	tests := []struct {
		name       string
		chain, key []byte
		say        string
	}{
		// The key and the certificate match, but the chain lacks the
		// end of the CA's certificate.
		{"half-written chain", chain2[:len(chain2)-100], key2, "cut short"},
		{"half-written key", chain2, key2[:len(key2)/2], "no PEM private key"},
		{"key of another certificate", chain2, key, "does not match"},
		{"expired", expired, expiredKey, "the certificate expired on"},
		{"not valid yet", early, earlyKey, "the certificate is not valid before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt.log.Reset()
			writeFile(t, certFile, string(tt.chain))
			writeFile(t, keyFile, string(tt.key))
			for i := range 3 {
				if s, chain := rt.later(t); s != 1 || chain != 2 {
					t.Errorf("check %d: served certificate %d with %d in its chain, want 1 with 2", i, s, chain)
				}
			}
			if n := rt.count(tt.say); n != 1 || strings.Count(rt.log.String(), "\n") != 1 {
				t.Errorf("log, want one line with %q:\n%s", tt.say, rt.log.String())
			}
		})
	}
	writeFile(t, certFile, string(chain2))
	writeFile(t, keyFile, string(key2))
	if s, chain := rt.later(t); s != 2 || chain != 2 {
		t.Errorf("whole files: served certificate %d with %d in its chain, want 2 with 2", s, chain)
	}
}

// TestTLSReloadChainBeingWritten: a chain written a certificate at a time
// (cat cert.pem chain.pem >fullchain.pem writes twice) is caught between
// its writes holding the leaf alone, which loads and matches its key:
// served, the clients that lack the intermediate would refuse it. Files
// just written are loaded at a check once they have been left alone.
func TestTLSReloadChainBeingWritten(t *testing.T) {
	ca, rt, certFile, keyFile, _ := newReloaderOfFiles(t)

	chain2, key2 := ca.valid(t, 2)
	leaf, _ := pem.Decode(chain2)
	writeFile(t, keyFile, string(key2))
	writeFile(t, certFile, string(pem.EncodeToMemory(leaf)))
	rt.clock = time.Now()
	if s, n := rt.handshake(t); s != 1 || n != 2 {
		t.Errorf("between the writes of the chain: served certificate %d with %d in its chain, want 1 with 2", s, n)
	}
	writeFile(t, certFile, string(chain2))
	rt.clock = time.Now()
	if s, n := rt.later(t); s != 2 || n != 2 {
		t.Errorf("the check after: served certificate %d with %d in its chain, want 2 with 2", s, n)
	}
	if got := rt.log.String(); strings.Count(got, "\n") != 1 || rt.count("TLS certificate loaded again") != 1 {
		t.Errorf("log, want one line, of the certificate loaded:\n%s", got)
	}
}

// TestTLSReloadExpiry: a certificate served past its expiry, with no
// renewal, is said once; the renewal served then is not.
func TestTLSReloadExpiry(t *testing.T) {
	ca := newTestCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	chain, key := ca.issue(t, 1, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	writeFile(t, certFile, string(chain))
	writeFile(t, keyFile, string(key))
	rt := newReloaderUnderTest(t, certFile, keyFile)
	rt.handshake(t)
	if rt.log.Len() != 0 {
		t.Fatalf("log before the expiry: %s", rt.log.String())
	}
	rt.clock = rt.clock.Add(2 * time.Hour)
	for range 3 {
		if s, _ := rt.later(t); s != 1 {
			t.Errorf("served certificate %d, want 1", s)
		}
	}
	if n := rt.count("the TLS certificate served expired: its files were not renewed"); n != 1 || strings.Count(rt.log.String(), "\n") != 1 {
		t.Errorf("log, want one line about the expiry:\n%s", rt.log.String())
	}
	chain2, key2 := ca.issue(t, 2, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
	writeFile(t, certFile, string(chain2))
	writeFile(t, keyFile, string(key2))
	if s, _ := rt.later(t); s != 2 {
		t.Errorf("after the renewal: served certificate %d, want 2", s)
	}
	rt.later(t)
	if n := rt.count("served expired"); n != 1 {
		t.Errorf("%d lines about the expiry, want 1:\n%s", n, rt.log.String())
	}
	// The renewal expires too.
	rt.clock = rt.clock.Add(24 * time.Hour)
	rt.later(t)
	rt.later(t)
	if n := rt.count("served expired"); n != 2 {
		t.Errorf("%d lines about the expiries, want 2:\n%s", n, rt.log.String())
	}
}

// TestTLSReloadClient has curl see the new certificate once the files are
// renamed over, while a connection made before keeps its own; without
// --tls-reload, the certificate read at the start is served on.
func TestTLSReloadClient(t *testing.T) {
	need(t, "curl")
	old := certCheckInterval
	certCheckInterval = 0 // every handshake looks
	t.Cleanup(func() { certCheckInterval = old })

	for _, reload := range []bool{true, false} {
		t.Run(map[bool]string{true: "--tls-reload", false: "default"}[reload], func(t *testing.T) {
			ca := newTestCA(t)
			dir := t.TempDir()
			certFile, keyFile := filepath.Join(dir, "fullchain.pem"), filepath.Join(dir, "privkey.pem")
			caFile := filepath.Join(dir, "ca.pem")
			writeFile(t, caFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})))
			chain, key := ca.valid(t, 1)
			writeFile(t, certFile, string(chain))
			writeFile(t, keyFile, string(key))
			args := []string{"-b", "127.0.0.1", "-d", site(t), "-p", "HTTP/1.1", "--tls-cert", certFile, "--tls-key", keyFile, "0"}
			if reload {
				args = append(args, "--tls-reload")
			}
			r := startRun(t, args...)
			base := r.baseURL(t)

			pool := x509.NewCertPool()
			pool.AddCert(ca.cert)
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: false, TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}}
			defer client.CloseIdleConnections()
			get := func() int64 {
				t.Helper()
				resp, err := client.Get(base + "/hello.txt")
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if b, err := io.ReadAll(resp.Body); err != nil || resp.StatusCode != 200 || string(b) != "hello\n" {
					t.Fatalf("%d %q %v", resp.StatusCode, b, err)
				}
				return resp.TLS.PeerCertificates[0].SerialNumber.Int64()
			}
			if s := get(); s != 1 {
				t.Fatalf("certificate %d at the start, want 1", s)
			}

			// Renamed over, as acme.sh and lego install their files.
			chain2, key2 := ca.valid(t, 2)
			for name, data := range map[string][]byte{certFile: chain2, keyFile: key2} {
				writeFile(t, name+".tmp", string(data))
				if err := os.Rename(name+".tmp", name); err != nil {
					t.Fatal(err)
				}
			}
			want := "Serial Number:02"
			if !reload {
				want = "Serial Number:01"
			}
			got := curl(t, "--cacert", caFile, "--write-out", "%{certs}", base+"/hello.txt")
			if !strings.Contains(got, want) || !strings.HasPrefix(got, "hello\n") {
				t.Errorf("curl after the renewal: %q, want the page and %q", got, want)
			}
			if s := get(); s != 1 {
				t.Errorf("the connection made before the renewal: certificate %d, want 1", s)
			}
			r.exit(t)
			if reload && !strings.Contains(r.stderr.String(), `] TLS certificate loaded again subject="CN=localhost" expires=`) {
				t.Errorf("stderr does not say the certificate was loaded: %s", r.stderr)
			}
		})
	}
}

// TestTLSCertValidityWarning: a certificate that expired, or is not valid
// yet, is served as Python serves it, but a warning says why every client
// refuses it.
func TestTLSCertValidityWarning(t *testing.T) {
	ca := newTestCA(t)
	dir := t.TempDir()
	expired, expiredKey := ca.issue(t, 1, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC))
	early, earlyKey := ca.issue(t, 2, time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))
	valid, validKey := ca.valid(t, 3)
	tests := []struct {
		name       string
		chain, key []byte
		warning    string // after the file name
	}{
		{"expired", expired, expiredKey, "the certificate expired on 2021-01-01T00:00:00Z: clients will refuse it"},
		{"not valid yet", early, earlyKey, "the certificate is not valid before 2999-01-01T00:00:00Z: clients will refuse it"},
		{"valid", valid, validKey, ""},
	}
	for _, tt := range tests {
		for _, reload := range []string{"", "--tls-reload"} {
			t.Run(tt.name+reload, func(t *testing.T) {
				certFile, keyFile := filepath.Join(dir, tt.name+"-cert.pem"), filepath.Join(dir, tt.name+"-key.pem")
				writeFile(t, certFile, string(tt.chain))
				writeFile(t, keyFile, string(tt.key))
				args := []string{"-b", "127.0.0.1", "-d", site(t), "--quiet", "--tls-cert", certFile, "--tls-key", keyFile, "0"}
				if reload != "" {
					args = append(args, reload)
				}
				r := startRun(t, args...)
				base := r.baseURL(t)
				if status := insecureGet(t, base+"/hello.txt"); status != 200 {
					t.Errorf("status %d, want 200: the certificate is served all the same", status)
				}
				r.exit(t)
				want := ""
				if tt.warning != "" {
					want = `simplehttp: warning: --tls-cert "` + certFile + `": ` + tt.warning + "\n"
				}
				if got := r.stderr.String(); got != want {
					t.Errorf("stderr %q, want %q", got, want)
				}
			})
		}
	}
}

// TestJSONWarning: with --log-format json, the warnings of the start go
// to stderr as JSON lines, as every diagnostic there does: a line of
// plain text among them stopped jq, which gives up at the first line
// that is not JSON, so that `2>&1 | jq` read nothing of the log.
func TestJSONWarning(t *testing.T) {
	ca := newTestCA(t)
	dir := t.TempDir()
	expired, expiredKey := ca.issue(t, 1, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC))
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(t, certFile, string(expired))
	writeFile(t, keyFile, string(expiredKey))
	for _, quiet := range []string{"", "--quiet"} {
		args := []string{"-b", "127.0.0.1", "-d", site(t), "--log-format", "json", "--tls-cert", certFile, "--tls-key", keyFile, "0"}
		if quiet != "" {
			args = append(args, quiet)
		}
		r := startRun(t, args...)
		if status := insecureGet(t, r.baseURL(t)+"/hello.txt"); status != 200 {
			t.Errorf("status %d, want 200", status)
		}
		r.exit(t)
		lines := strings.Split(strings.TrimSuffix(r.stderr.String(), "\n"), "\n")
		wantLines := 2
		if quiet != "" {
			wantLines = 1
		}
		if len(lines) != wantLines {
			t.Fatalf("%s: stderr of %d lines, want the warning and %d more:\n%s", quiet, len(lines), wantLines-1, r.stderr)
		}
		var warning struct{ Time, Level, Msg string }
		if err := json.Unmarshal([]byte(lines[0]), &warning); err != nil {
			t.Errorf("%s: stderr line %q: %v", quiet, lines[0], err)
		}
		if want := `simplehttp: --tls-cert "` + certFile + `": the certificate expired on 2021-01-01T00:00:00Z: clients will refuse it`; warning.Level != "WARN" || warning.Msg != want || warning.Time == "" {
			t.Errorf("%s: warning %+v, want level WARN, msg %q", quiet, warning, want)
		}
		for _, l := range lines[1:] {
			if !json.Valid([]byte(l)) || !strings.Contains(l, `"uri":"/hello.txt"`) {
				t.Errorf("%s: stderr line %q, want the JSON line of the request", quiet, l)
			}
		}
	}
}

// TestJSONStartError: with --log-format json, an error that stops the
// start is a JSON line too, so that `simplehttp ... 2>&1 | jq` shows why
// the server did not start; an error in the command line itself stays
// text, said before the format is known.
func TestJSONStartError(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	var stdout, stderr bytes.Buffer
	if status := run(context.Background(), []string{"--log-format", "json", "-b", "127.0.0.1", "-d", missing, "0"}, &stdout, &stderr); status != 1 {
		t.Errorf("status %d, want 1", status)
	}
	var line struct{ Time, Level, Msg string }
	if err := json.Unmarshal(stderr.Bytes(), &line); err != nil || strings.Count(stderr.String(), "\n") != 1 {
		t.Fatalf("stderr %q: want one JSON line (%v)", stderr.String(), err)
	}
	if want := `simplehttp: -d "` + missing + `": no such file or directory`; line.Level != "ERROR" || line.Msg != want || line.Time == "" {
		t.Errorf("stderr line %+v, want level ERROR, msg %q", line, want)
	}
	stderr.Reset()
	if status := run(context.Background(), []string{"--log-format", "json", "99999"}, &stdout, &stderr); status != 2 {
		t.Errorf("bad port: status %d, want 2", status)
	}
	if want := "simplehttp: invalid port \"99999\": must be 0-65535\n"; stderr.String() != want {
		t.Errorf("bad port: stderr %q, want %q", stderr.String(), want)
	}
}
