package main

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/youmark/pkcs8"
)

// loadCertificate reads the certificate chain and its private key as
// Python's SSLContext.load_cert_chain(certfile, keyfile, password) does:
// the key is in keyFile, or in certFile when keyFile is empty, and may be
// encrypted, then its password is the content of passwordFile with the
// surrounding white space stripped. Both kinds of encrypted PEM keys that
// OpenSSL writes work: PKCS#8 ("ENCRYPTED PRIVATE KEY", PBES2 with PBKDF2 or
// scrypt, as `openssl genpkey -aes256` writes) and the legacy PEM encryption
// ("Proc-Type: 4,ENCRYPTED", as `openssl rsa -aes256 -traditional` writes).
//
// Errors name the flag and the file, on one line. A password file that
// cannot be read is a usage error with Python's message. A certificate
// file whose last PEM block is cut short (a file still being written, a
// copy cut off) is refused, as Python refuses it, not read as a shorter
// chain.
func loadCertificate(certFile, keyFile, passwordFile string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("--tls-cert %q: %w", certFile, pathErr(err))
	}
	keyFlag, keyPEM := "--tls-cert", certPEM
	if keyFile != "" {
		keyFlag = "--tls-key"
		if keyPEM, err = os.ReadFile(keyFile); err != nil {
			return tls.Certificate{}, fmt.Errorf("--tls-key %q: %w", keyFile, pathErr(err))
		}
	} else {
		keyFile = certFile
	}
	var password []byte
	if passwordFile != "" {
		b, err := os.ReadFile(passwordFile)
		if err != nil {
			return tls.Certificate{}, usagef("Failed to read TLS password file: %v", err)
		}
		password = []byte(strings.TrimSpace(string(b)))
	}

	var certs []byte
	for rest := certPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			if bytes.Contains(rest, []byte("-----BEGIN ")) {
				return tls.Certificate{}, fmt.Errorf("--tls-cert %q: a PEM block is cut short (a file still being written?)", certFile)
			}
			break
		}
		if b.Type == "CERTIFICATE" {
			certs = append(certs, pem.EncodeToMemory(b)...)
		}
	}
	if certs == nil {
		return tls.Certificate{}, fmt.Errorf("--tls-cert %q: no PEM certificate in the file", certFile)
	}
	key := findKey(keyPEM)
	if key == nil {
		if keyFlag == "--tls-cert" {
			return tls.Certificate{}, fmt.Errorf("--tls-cert %q: no PEM private key in the file: give it with --tls-key", certFile)
		}
		return tls.Certificate{}, fmt.Errorf("--tls-key %q: no PEM private key in the file", keyFile)
	}
	key, err = decryptKey(key, password)
	if err != nil {
		if errors.Is(err, errWrongPassword) && passwordFile != "" {
			return tls.Certificate{}, fmt.Errorf("%s %q: wrong password in --tls-password-file %q (or a damaged key)", keyFlag, keyFile, passwordFile)
		}
		return tls.Certificate{}, fmt.Errorf("%s %q: %w", keyFlag, keyFile, err)
	}
	cert, err := tls.X509KeyPair(certs, pem.EncodeToMemory(key))
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "tls: ")
		if strings.Contains(msg, "does not match") {
			if n := keyCertificate(certs, key); n > 1 {
				// A chain written CA first, as some CAs send it.
				return tls.Certificate{}, fmt.Errorf("--tls-cert %q: the certificate of the private key in %q is the file's certificate number %d: put it first, followed by the certificates that issued it", certFile, keyFile, n)
			}
			return tls.Certificate{}, fmt.Errorf("%s %q: the private key does not match the certificate in %q", keyFlag, keyFile, certFile)
		}
		if strings.Contains(msg, "private key") { // "failed to parse private key"
			return tls.Certificate{}, fmt.Errorf("%s %q: %s", keyFlag, keyFile, msg)
		}
		return tls.Certificate{}, fmt.Errorf("--tls-cert %q: %s", certFile, msg)
	}
	return cert, nil
}

// certValidityWarning returns the warning for a certificate that expired
// or is not valid yet, read from certFile, or "". It is served all the
// same, as Python serves it, but every client refuses it with a message
// of its own, which the server's log does not show.
func certValidityWarning(certFile string, cert tls.Certificate) string {
	if err := checkValidity(cert, time.Now()); err != nil {
		return fmt.Sprintf("simplehttp: warning: --tls-cert %q: %v: clients will refuse it", certFile, err)
	}
	return ""
}

// keyCertificate returns the number, from 1, of the certificate of the
// PEM certificates certs whose public key is that of the private key in
// key, an unencrypted PEM block; 0 if none is.
func keyCertificate(certs []byte, key *pem.Block) int {
	var priv any
	var err error
	switch key.Type {
	case "RSA PRIVATE KEY":
		priv, err = x509.ParsePKCS1PrivateKey(key.Bytes)
	case "EC PRIVATE KEY":
		priv, err = x509.ParseECPrivateKey(key.Bytes)
	default:
		priv, err = x509.ParsePKCS8PrivateKey(key.Bytes)
	}
	signer, ok := priv.(crypto.Signer)
	if err != nil || !ok {
		return 0
	}
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return 0
	}
	for n := 1; ; n++ {
		var b *pem.Block
		if b, certs = pem.Decode(certs); b == nil {
			return 0
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil && pub.Equal(c.PublicKey) {
			return n
		}
	}
}

// findKey returns the first PEM block of data that holds a private key.
func findKey(data []byte) *pem.Block {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil
		}
		if strings.HasSuffix(b.Type, "PRIVATE KEY") {
			return b
		}
	}
}

var (
	errWrongPassword = errors.New("wrong password, or a damaged key")
	errNeedPassword  = errors.New("the private key is encrypted: give its password with --tls-password-file")
)

// decryptKey returns b decrypted with password, as an unencrypted PEM block
// tls.X509KeyPair reads; an unencrypted b is returned as it is.
//
// The standard library decrypts only the legacy PEM encryption
// (x509.DecryptPEMBlock); encrypted PKCS#8, which OpenSSL 1.1 and later
// write by default, needs github.com/youmark/pkcs8.
func decryptKey(b *pem.Block, password []byte) (*pem.Block, error) {
	switch {
	case b.Type == "ENCRYPTED PRIVATE KEY":
		if password == nil {
			return nil, errNeedPassword
		}
		if len(password) == 0 {
			// pkcs8 would take an empty password for "not encrypted".
			return nil, errWrongPassword
		}
		k, err := parsePKCS8(b.Bytes, password)
		if err != nil {
			if strings.Contains(err.Error(), "only PBES2") {
				// PBES1 (openssl pkcs8 -topk8 -v1, the default before
				// OpenSSL 1.1), which Python reads: not a wrong password.
				return nil, errors.New("cannot decrypt the private key: its PKCS#8 encryption is PBES1, which is not supported: re-encrypt it with openssl pkcs8 -topk8 -v2 aes-256-cbc")
			}
			if msg := err.Error(); strings.Contains(msg, "unsupported") {
				// PBKDF2 over SHA-384 or SHA-512 (openssl -v2prf
				// hmacWithSHA512), or a cipher or KDF pkcs8 lacks, which
				// Python reads: not a wrong password, and one command
				// makes a key that both read.
				what := "a " + strings.TrimPrefix(msg, "pkcs8: unsupported ")
				if strings.Contains(msg, "hash function") {
					what = "PBKDF2 over a hash other than SHA-1 and SHA-256"
				}
				return nil, fmt.Errorf("cannot decrypt the private key: its PKCS#8 encryption uses %s, which is not supported: re-encrypt it with openssl pkcs8 -topk8 -v2 aes-256-cbc", what)
			}
			return nil, errWrongPassword
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("cannot use the private key: %v", err)
		}
		return &pem.Block{Type: "PRIVATE KEY", Bytes: der}, nil

	//lint:ignore SA1019 the legacy PEM encryption is insecure, but it is what old keys use and Python reads
	case x509.IsEncryptedPEMBlock(b):
		if password == nil {
			return nil, errNeedPassword
		}
		//lint:ignore SA1019 see above
		der, err := x509.DecryptPEMBlock(b, password)
		if err != nil {
			if errors.Is(err, x509.IncorrectPasswordError) {
				return nil, errWrongPassword
			}
			return nil, fmt.Errorf("cannot decrypt the private key: %v", err)
		}
		// The padding check lets about one wrong password in 256 through:
		// the key must parse too.
		if !parsesAsKey(b.Type, der) {
			return nil, errWrongPassword
		}
		return &pem.Block{Type: b.Type, Bytes: der}, nil
	}
	return b, nil
}

// parsePKCS8 is pkcs8.ParsePKCS8PrivateKey, which panics on some damaged
// keys (encrypted data that is not a whole number of cipher blocks, an IV
// of the wrong length): the panic is returned as an error.
func parsePKCS8(der, password []byte) (key any, err error) {
	defer func() {
		if p := recover(); p != nil {
			key, err = nil, fmt.Errorf("damaged key: %v", p)
		}
	}()
	return pkcs8.ParsePKCS8PrivateKey(der, password)
}

// parsesAsKey reports whether der is a private key of the PEM type typ.
func parsesAsKey(typ string, der []byte) bool {
	var err error
	switch typ {
	case "RSA PRIVATE KEY":
		_, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		_, err = x509.ParseECPrivateKey(der)
	default:
		_, err = x509.ParsePKCS8PrivateKey(der)
	}
	return err == nil
}

// pathErr drops the operation and path of an *os.PathError, which the
// message names already: "no such file or directory".
func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
