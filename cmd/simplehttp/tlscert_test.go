package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/youmark/pkcs8"
)

// testPassword is the password of the encrypted keys, as written in the
// password file (Python strips the white space around it).
const testPassword = "correct horse"

// tlsFiles are the PEM files of a self-signed certificate for 127.0.0.1,
// ::1 and localhost, with its key in every form loadCertificate reads.
type tlsFiles struct {
	cert         string // the certificate alone
	key          string // PKCS#8, not encrypted
	keyPKCS1     string // RSA PRIVATE KEY of an RSA certificate (certRSA)
	certRSA      string
	keyEC        string // EC PRIVATE KEY
	keyPKCS8Enc  string // ENCRYPTED PRIVATE KEY, PBES2 with PBKDF2 and AES-256-CBC
	keyScryptEnc string // ENCRYPTED PRIVATE KEY, PBES2 with scrypt
	keyLegacyEnc string // EC PRIVATE KEY with Proc-Type: 4,ENCRYPTED
	certWithKey  string // the certificate followed by its key
	otherKey     string // a key of another certificate
	password     string // the password file: testPassword and a newline
	wrongPass    string // a password file with another password
}

func newTLSFiles(t *testing.T) tlsFiles {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, blocks ...*pem.Block) string {
		var data []byte
		for _, b := range blocks {
			data = append(data, pem.EncodeToMemory(b)...)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certBlock := func(key crypto.Signer) *pem.Block {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "localhost"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
			DNSNames:     []string{"localhost"},
			IsCA:         true,

			BasicConstraintsValid: true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		return &pem.Block{Type: "CERTIFICATE", Bytes: der}
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	p8Enc, err := pkcs8.MarshalPrivateKey(key, []byte(testPassword), nil) // PBKDF2-SHA256, AES-256-CBC
	if err != nil {
		t.Fatal(err)
	}
	scryptEnc, err := pkcs8.MarshalPrivateKey(key, []byte(testPassword), &pkcs8.Opts{
		Cipher:  pkcs8.AES128CBC,
		KDFOpts: pkcs8.ScryptOpts{SaltSize: 16, CostParameter: 1 << 10, BlockSize: 8, ParallelizationParameter: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 the legacy encryption is what is being tested
	legacy, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", ec, []byte(testPassword), x509.PEMCipherAES256)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherDER, _ := x509.MarshalPKCS8PrivateKey(other)

	cert := certBlock(key)
	keyBlock := &pem.Block{Type: "PRIVATE KEY", Bytes: p8}
	return tlsFiles{
		cert:         write("cert.pem", cert),
		key:          write("key.pem", keyBlock),
		certRSA:      write("cert-rsa.pem", certBlock(rsaKey)),
		keyPKCS1:     write("key-rsa.pem", &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}),
		keyEC:        write("key-ec.pem", &pem.Block{Type: "EC PRIVATE KEY", Bytes: ec}),
		keyPKCS8Enc:  write("key-pkcs8-enc.pem", &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: p8Enc}),
		keyScryptEnc: write("key-scrypt-enc.pem", &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: scryptEnc}),
		keyLegacyEnc: write("key-legacy-enc.pem", legacy),
		certWithKey:  write("cert-key.pem", cert, keyBlock),
		otherKey:     write("other-key.pem", &pem.Block{Type: "PRIVATE KEY", Bytes: otherDER}),
		password:     writePlain(t, filepath.Join(dir, "password.txt"), "  "+testPassword+"\n"),
		wrongPass:    writePlain(t, filepath.Join(dir, "wrong.txt"), "incorrect horse\n"),
	}
}

func writePlain(t *testing.T, name, content string) string {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestLoadCertificate(t *testing.T) {
	f := newTLSFiles(t)
	tests := []struct {
		name                 string
		cert, key, passwordF string
	}{
		{"PKCS#8", f.cert, f.key, ""},
		{"EC", f.cert, f.keyEC, ""},
		{"RSA PKCS#1", f.certRSA, f.keyPKCS1, ""},
		{"key in the certificate file", f.certWithKey, "", ""},
		{"encrypted PKCS#8", f.cert, f.keyPKCS8Enc, f.password},
		{"encrypted PKCS#8 with scrypt", f.cert, f.keyScryptEnc, f.password},
		{"legacy encrypted PEM", f.cert, f.keyLegacyEnc, f.password},
		// Python ignores a password the key does not need.
		{"password for a plain key", f.cert, f.key, f.wrongPass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert, err := loadCertificate(tt.cert, tt.key, tt.passwordF)
			if err != nil {
				t.Fatalf("loadCertificate: %v", err)
			}
			if len(cert.Certificate) != 1 || cert.PrivateKey == nil {
				t.Errorf("loadCertificate: %d certificates, key %T; want 1 and a key", len(cert.Certificate), cert.PrivateKey)
			}
		})
	}
}

func TestLoadCertificateErrors(t *testing.T) {
	f := newTLSFiles(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	notPEM := writePlain(t, filepath.Join(dir, "not.pem"), "hello\n")
	emptyPass := writePlain(t, filepath.Join(dir, "empty.txt"), "\n")
	truncated := writePlain(t, filepath.Join(dir, "truncated.pem"), truncateEncryptedKey(t, f.keyPKCS8Enc))
	pbes1 := writePlain(t, filepath.Join(dir, "pbes1.pem"), pbes1Key(t))
	sha512 := writePlain(t, filepath.Join(dir, "sha512.pem"), pbkdf2SHA512Key(t))
	badKey := writePlain(t, filepath.Join(dir, "bad-key.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
	caFirst := writePlain(t, filepath.Join(dir, "ca-first.pem"), string(mustRead(t, f.certRSA))+string(mustRead(t, f.cert)))
	chain := string(mustRead(t, f.cert)) + string(mustRead(t, f.certRSA))
	cut := writePlain(t, filepath.Join(dir, "cut.pem"), chain[:len(chain)-100])
	caFirstWithKey := writePlain(t, filepath.Join(dir, "ca-first-key.pem"), string(mustRead(t, caFirst))+string(mustRead(t, f.key)))
	tests := []struct {
		name                 string
		cert, key, passwordF string
		want                 string
		wantUsage            bool
	}{
		{"certificate missing", missing, f.key, "", `--tls-cert "` + missing + `": no such file or directory`, false},
		{"key missing", f.cert, missing, "", `--tls-key "` + missing + `": no such file or directory`, false},
		{"certificate not PEM", notPEM, f.key, "", `--tls-cert "` + notPEM + `": no PEM certificate in the file`, false},
		{"key not PEM", f.cert, notPEM, "", `--tls-key "` + notPEM + `": no PEM private key in the file`, false},
		{"no key at all", f.cert, "", "", `--tls-cert "` + f.cert + `": no PEM private key in the file: give it with --tls-key`, false},
		{"key not a key", f.cert, badKey, "", `--tls-key "` + badKey + `": failed to parse private key`, false},
		{"key of another certificate", f.cert, f.otherKey, "",
			`--tls-key "` + f.otherKey + `": the private key does not match the certificate in "` + f.cert + `"`, false},
		// Python: "[PEM: BAD_END_LINE] bad end line".
		{"chain cut short", cut, f.key, "", `--tls-cert "` + cut + `": a PEM block is cut short (a file still being written?)`, false},
		{"chain with its CA first", caFirst, f.key, "",
			`--tls-cert "` + caFirst + `": the certificate of the private key in "` + f.key + `" is the file's certificate number 2: put it first, followed by the certificates that issued it`, false},
		{"chain with its CA first, key in the file", caFirstWithKey, "", "",
			`--tls-cert "` + caFirstWithKey + `": the certificate of the private key in "` + caFirstWithKey + `" is the file's certificate number 2: put it first, followed by the certificates that issued it`, false},
		{"encrypted PKCS#8 without password", f.cert, f.keyPKCS8Enc, "",
			`--tls-key "` + f.keyPKCS8Enc + `": the private key is encrypted: give its password with --tls-password-file`, false},
		{"legacy PEM without password", f.cert, f.keyLegacyEnc, "",
			`--tls-key "` + f.keyLegacyEnc + `": the private key is encrypted: give its password with --tls-password-file`, false},
		{"encrypted PKCS#8, wrong password", f.cert, f.keyPKCS8Enc, f.wrongPass,
			`--tls-key "` + f.keyPKCS8Enc + `": wrong password in --tls-password-file "` + f.wrongPass + `" (or a damaged key)`, false},
		{"scrypt, wrong password", f.cert, f.keyScryptEnc, f.wrongPass,
			`--tls-key "` + f.keyScryptEnc + `": wrong password in --tls-password-file "` + f.wrongPass + `" (or a damaged key)`, false},
		{"legacy PEM, wrong password", f.cert, f.keyLegacyEnc, f.wrongPass,
			`--tls-key "` + f.keyLegacyEnc + `": wrong password in --tls-password-file "` + f.wrongPass + `" (or a damaged key)`, false},
		{"empty password", f.cert, f.keyPKCS8Enc, emptyPass,
			`--tls-key "` + f.keyPKCS8Enc + `": wrong password in --tls-password-file "` + emptyPass + `" (or a damaged key)`, false},
		// Encrypted data one byte short of whole cipher blocks: the
		// decryption would panic.
		{"encrypted PKCS#8, damaged", f.cert, truncated, f.password,
			`--tls-key "` + truncated + `": wrong password in --tls-password-file "` + f.password + `" (or a damaged key)`, false},
		// OpenSSL reads it; pkcs8 does not: the password is not wrong.
		{"encrypted PKCS#8 with PBES1", f.cert, pbes1, f.password,
			`--tls-key "` + pbes1 + `": cannot decrypt the private key: its PKCS#8 encryption is PBES1, which is not supported: re-encrypt it with openssl pkcs8 -topk8 -v2 aes-256-cbc`, false},
		// openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA512:
		// OpenSSL reads it, pkcs8 does not.
		{"encrypted PKCS#8 with PBKDF2 over SHA-512", f.cert, sha512, f.password,
			`--tls-key "` + sha512 + `": cannot decrypt the private key: its PKCS#8 encryption uses PBKDF2 over a hash other than SHA-1 and SHA-256, which is not supported: re-encrypt it with openssl pkcs8 -topk8 -v2 aes-256-cbc`, false},
		// Python's message, and argparse's exit status.
		{"password file missing", f.cert, f.keyPKCS8Enc, missing,
			`Failed to read TLS password file: open ` + missing + `: no such file or directory`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadCertificate(tt.cert, tt.key, tt.passwordF)
			if err == nil {
				t.Fatalf("loadCertificate: no error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("loadCertificate: error\n%q, want\n%q", err, tt.want)
			}
			var ue *usageError
			if errors.As(err, &ue) != tt.wantUsage {
				t.Errorf("loadCertificate: usage error %v, want %v", errors.As(err, &ue), tt.wantUsage)
			}
		})
	}
}

// truncateEncryptedKey returns the PEM of the encrypted PKCS#8 key in the
// file name with the last byte of its encrypted data cut off.
func truncateEncryptedKey(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		Data      []byte
	}
	if _, err := asn1.Unmarshal(b.Bytes, &info); err != nil {
		t.Fatal(err)
	}
	info.Data = info.Data[:len(info.Data)-1]
	der, err := asn1.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: b.Type, Bytes: der}))
}

// pbes1Key returns the PEM of an encrypted PKCS#8 key as `openssl pkcs8
// -topk8 -v1 PBE-SHA1-3DES` writes it: pbeWithSHAAnd3-KeyTripleDES-CBC,
// with its salt and iteration count. (The encrypted data is random: the
// scheme alone is refused.)
func pbes1Key(t *testing.T) string {
	t.Helper()
	params, err := asn1.Marshal(struct {
		Salt       []byte
		Iterations int
	}{make([]byte, 8), 2048})
	if err != nil {
		t.Fatal(err)
	}
	return encryptedKeyPEM(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}, params)
}

// encryptedKeyPEM returns the PEM of a PKCS#8 EncryptedPrivateKeyInfo
// whose encryption is alg with the DER params, over 64 random bytes.
func encryptedKeyPEM(t *testing.T, alg asn1.ObjectIdentifier, params []byte) string {
	t.Helper()
	data := make([]byte, 64)
	rand.Read(data)
	der, err := asn1.Marshal(struct {
		Algorithm pkix.AlgorithmIdentifier
		Data      []byte
	}{pkix.AlgorithmIdentifier{Algorithm: alg, Parameters: asn1.RawValue{FullBytes: params}}, data})
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}))
}

// pbkdf2SHA512Key returns the PEM of a PKCS#8 key encrypted with PBES2,
// AES-256-CBC and PBKDF2 over HMAC-SHA-512, as openssl pkcs8 -topk8 -v2
// aes-256-cbc -v2prf hmacWithSHA512 writes it. Its encrypted data is
// random: the parameters are refused before it is decrypted.
func pbkdf2SHA512Key(t *testing.T) string {
	t.Helper()
	null := asn1.RawValue{Tag: asn1.TagNull}
	kdfParams, err := asn1.Marshal(struct {
		Salt       []byte
		Iterations int
		PRF        pkix.AlgorithmIdentifier
	}{make([]byte, 16), 2048, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}, Parameters: null}})
	if err != nil {
		t.Fatal(err)
	}
	iv, err := asn1.Marshal(make([]byte, 16))
	if err != nil {
		t.Fatal(err)
	}
	params, err := asn1.Marshal(struct {
		KDF    pkix.AlgorithmIdentifier
		Cipher pkix.AlgorithmIdentifier
	}{
		pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}, Parameters: asn1.RawValue{FullBytes: kdfParams}},
		pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}, Parameters: asn1.RawValue{FullBytes: iv}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return encryptedKeyPEM(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}, params)
}

// TestHTTP2MaxStreams: over TLS, the command offers HTTP/2 with at most
// maxStreams (100) streams open per connection, as its first SETTINGS
// frame says (net/http alone says 250). Each stream a client leaves
// unread holds a handler and its buffers: this bounds what one connection
// can pin.
func TestHTTP2MaxStreams(t *testing.T) {
	f := newTLSFiles(t)
	r := startRun(t, "-b", "127.0.0.1", "-d", t.TempDir(), "--tls-cert", f.cert, "--tls-key", f.key, "0")
	addr := strings.TrimPrefix(r.baseURL(t), "https://")
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if p := c.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("ALPN chose %q, want h2", p)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	// The client preface: the magic, then an empty SETTINGS frame.
	if _, err := c.Write([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")); err != nil {
		t.Fatal(err)
	}
	// The server's first frame is its SETTINGS (RFC 9113, section 3.4):
	// a 9-byte head (length, type 4, flags, stream 0), then 6-byte
	// entries (identifier, value); 3 is SETTINGS_MAX_CONCURRENT_STREAMS.
	head := make([]byte, 9)
	if _, err := io.ReadFull(c, head); err != nil {
		t.Fatal(err)
	}
	n := int(head[0])<<16 | int(head[1])<<8 | int(head[2])
	if head[3] != 4 || head[4]&1 != 0 || n%6 != 0 {
		t.Fatalf("first frame: type %d, flags %#x, length %d; want a SETTINGS frame", head[3], head[4], n)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(c, payload); err != nil {
		t.Fatal(err)
	}
	streams := -1
	for i := 0; i < n; i += 6 {
		if id := int(payload[i])<<8 | int(payload[i+1]); id == 3 {
			streams = int(payload[i+2])<<24 | int(payload[i+3])<<16 | int(payload[i+4])<<8 | int(payload[i+5])
		}
	}
	if streams != maxStreams || maxStreams != 100 {
		t.Errorf("SETTINGS_MAX_CONCURRENT_STREAMS = %d, want %d (100)", streams, maxStreams)
	}
	r.exit(t)
}

// TestHTTP10OverTLS: a client that offers only "http/1.0" through ALPN, as
// curl --http1.0 does, or only protocols the server does not speak (a
// client meant for another server), completes the handshake and is
// served, as by Python's server (OpenSSL goes on without ALPN).
// crypto/tls alone refuses them ("no application protocol").
func TestHTTP10OverTLS(t *testing.T) {
	f := newTLSFiles(t)
	r := startRun(t, "-b", "127.0.0.1", "-d", site(t), "--quiet", "--tls-cert", f.cert, "--tls-key", f.key, "0")
	addr := strings.TrimPrefix(r.baseURL(t), "https://")
	for _, tt := range []struct {
		offer      []string
		negotiated string
	}{
		{[]string{"http/1.0"}, "http/1.0"},
		{[]string{"spdy/3.1"}, ""},
		{[]string{"h3", "acme-tls/1"}, ""},
	} {
		c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: tt.offer})
		if err != nil {
			t.Errorf("TLS handshake offering %q: %v", tt.offer, err)
			continue
		}
		defer c.Close()
		if got := c.ConnectionState().NegotiatedProtocol; got != tt.negotiated {
			t.Errorf("offering %q: ALPN chose %q, want %q", tt.offer, got, tt.negotiated)
		}
		c.SetDeadline(time.Now().Add(waitLimit))
		if _, err := io.WriteString(c, "GET /hello.txt HTTP/1.0\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(resp); !strings.HasPrefix(got, "HTTP/1.0 200 OK\r\n") || !strings.HasSuffix(got, "\r\n\r\nhello\n") {
			t.Errorf("offering %q: response %q, want HTTP/1.0 200 OK and hello", tt.offer, got)
		}
	}
	r.exit(t)
}

// TestTLSFailuresLoggedOnce: connections that fail their TLS handshake
// (here plain HTTP sent to the TLS port, which net/http answers with its
// 400) are logged once per episode, not once each as net/http logs them:
// the first at once, the end when a client gets through again.
// insecureGet gets url over TLS, on a connection of its own, without
// checking the certificate, and returns the status.
func insecureGet(t *testing.T, url string) int {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestTLSFailuresLoggedOnce(t *testing.T) {
	f := newTLSFiles(t)
	r := startRun(t, "-b", "127.0.0.1", "-d", site(t), "--tls-cert", f.cert, "--tls-key", f.key, "0")
	base := r.baseURL(t)
	plain := func() {
		t.Helper()
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "https://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(waitLimit))
		io.WriteString(c, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, _ := io.ReadAll(c)
		if !strings.HasPrefix(string(resp), "HTTP/1.0 400 Bad Request\r\n") {
			t.Fatalf("plain HTTP to the TLS port: %q, want net/http's 400", resp)
		}
	}
	plain()
	// The episode's first line is written at once: wait for it, so that
	// the success below ends the episode it began.
	for deadline := time.Now().Add(waitLimit); !strings.Contains(r.stderr.String(), "TLS handshake error"); {
		if time.Now().After(deadline) {
			t.Fatalf("no line for the first failure; stderr: %s", r.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	insecureGet(t, base+"/hello.txt")
	for range 20 {
		plain() // a new episode within the minute: counted, not said
	}
	r.exit(t)

	var failing []string
	for l := range strings.Lines(r.stderr.String()) {
		if strings.Contains(l, "TLS") {
			failing = append(failing, strings.TrimSuffix(l, "\n"))
		}
	}
	want := []string{
		`TLS or HTTP/2 connections failing err="http: TLS handshake error from 127.0.0.1:PORT: client sent an HTTP request to an HTTPS server" failures=1`,
		`TLS or HTTP/2 connections failing: recovered failures=0`,
	}
	port := regexp.MustCompile(`127\.0\.0\.1:\d+`)
	ok := len(failing) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = strings.HasSuffix(port.ReplaceAllString(failing[i], "127.0.0.1:PORT"), "] "+want[i])
	}
	if !ok {
		t.Errorf("lines about TLS:\n%s\nwant\n%s", strings.Join(failing, "\n"), strings.Join(want, "\n"))
	}
}
