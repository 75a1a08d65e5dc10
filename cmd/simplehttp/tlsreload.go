package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// certCheckInterval is how often, at most, --tls-reload looks at the
// certificate, key and password files: at the first handshake after it.
var certCheckInterval = 5 * time.Second

// certSettle is how long the files must have been left alone to be read
// again: a second, or certCheckInterval if that is shorter (in tests).
// A file written in several writes (cat cert.pem chain.pem >fullchain.pem)
// can be caught between them holding whole PEM blocks, the leaf without
// its chain, which loads and matches its key; its clients would refuse
// it. Written less than that before a check, the files wait for the next.
func certSettle() time.Duration { return min(time.Second, certCheckInterval) }

// certReloader serves the certificate of --tls-cert and --tls-key, read
// again (with --tls-password-file) when the files change, as an ACME
// client (certbot, acme.sh, lego) changes them on a renewal: certbot
// points the symbolic links of its live/ directory to new files, others
// rename new files over the old ones or rewrite them in place. The files
// are looked at during a TLS handshake, at most every certCheckInterval;
// the handshake that looks is the only one that waits for the reading,
// the others go on with the certificate loaded.
//
// The new pair is served only once it loads as a whole: a file still
// being written (or written less than a second before, see certSettle),
// a key that does not match the certificate (certbot
// changes its links one after the other), a file that cannot be read,
// a certificate that has expired or is not valid yet keep the pair
// loaded before, and the files are tried again at the next check. A
// state of the files that still cannot be loaded at the next check is
// logged, once. Connections keep the certificate of their handshake. A
// certificate served past its expiry (no renewal came) is logged once.
type certReloader struct {
	certFile, keyFile, passwordFile string

	cur atomic.Pointer[tls.Certificate]

	// logger gets a line for each pair loaded and each state of the
	// files that cannot be; set before the first handshake.
	logger *slog.Logger
	// now is time.Now, but in tests.
	now func() time.Time

	mu     sync.Mutex // held by the handshake that looks at the files
	next   time.Time  // the time of the next look
	loaded filesState // the files of cur
	// The files and the error of the last failure, and whether it was
	// logged.
	failedFiles filesState
	failedErr   string
	said        bool
	// expiredSaid is whether the log said that cur expired.
	expiredSaid bool
}

// loadCertReloader loads the certificate as loadCertificate does, with
// its errors, and returns the certReloader that serves it, whatever its
// validity (see certValidityWarning).
func loadCertReloader(certFile, keyFile, passwordFile string) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, passwordFile: passwordFile, now: time.Now}
	// The state before the reading: a file changed while it is read is
	// read again at the first check.
	var err error
	if r.loaded, err = r.state(); errors.Is(err, errNotRegular) {
		return nil, err
	}
	cert, err := loadCertificate(certFile, keyFile, passwordFile)
	if err != nil {
		return nil, err
	}
	if cert.Leaf == nil { // GODEBUG=x509keypairleaf=0
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, err
		}
	}
	// An expired one is said at startup (certValidityWarning).
	r.expiredSaid = time.Now().After(cert.Leaf.NotAfter)
	r.cur.Store(&cert)
	return r, nil
}

// getCertificate is the tls.Config's GetCertificate.
func (r *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if r.mu.TryLock() {
		if now := r.now(); !now.Before(r.next) {
			r.next = now.Add(certCheckInterval)
			r.check(now)
		}
		r.mu.Unlock()
	}
	return r.cur.Load(), nil
}

// check reads the files again if they changed since they were loaded,
// and says once that the certificate served expired if it did.
func (r *certReloader) check(now time.Time) {
	r.load(now)
	if cur := r.cur.Load(); !r.expiredSaid && cur.Leaf != nil && now.After(cur.Leaf.NotAfter) {
		r.logger.Warn("the TLS certificate served expired: its files were not renewed", "expired", cur.Leaf.NotAfter.UTC().Format(time.RFC3339))
		r.expiredSaid = true
	}
}

// load reads the files again if they changed since they were loaded.
func (r *certReloader) load(now time.Time) {
	st, err := r.state()
	if err == nil && st.same(r.loaded) {
		r.failedFiles, r.failedErr, r.said = nil, "", false // back as they were loaded
		return
	}
	if err == nil && st.changedWithin(now, certSettle()) {
		return // perhaps still being written: looked at again at the next check
	}
	var cert tls.Certificate
	if err == nil {
		cert, err = loadCertificate(r.certFile, r.keyFile, r.passwordFile)
	}
	if err == nil && cert.Leaf == nil { // GODEBUG=x509keypairleaf=0
		cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0])
	}
	if err == nil {
		if err = checkValidity(cert, now); err != nil {
			err = fmt.Errorf("--tls-cert %q: %w", r.certFile, err)
		}
	}
	if err != nil {
		// Said when the same files fail twice: not for a renewal caught
		// half-way, which the next check finds done.
		switch {
		case !st.same(r.failedFiles) || err.Error() != r.failedErr:
			r.failedFiles, r.failedErr, r.said = st, err.Error(), false
		case !r.said:
			r.logger.Warn("cannot load the new TLS certificate; serving on the one loaded before", "err", oneLine(err))
			r.said = true
		}
		return
	}
	r.cur.Store(&cert)
	r.loaded, r.failedFiles, r.failedErr, r.said, r.expiredSaid = st, nil, "", false, false
	r.logger.Info("TLS certificate loaded again", "subject", cert.Leaf.Subject.String(), "expires", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
}

// checkValidity says whether cert (its Leaf, or its first certificate)
// expired or is not valid yet at now: clients would refuse it.
func checkValidity(cert tls.Certificate, now time.Time) error {
	leaf := cert.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return err
		}
	}
	switch {
	case now.After(leaf.NotAfter):
		return fmt.Errorf("the certificate expired on %s", leaf.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(leaf.NotBefore):
		return fmt.Errorf("the certificate is not valid before %s", leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	return nil
}

// current returns the certificate served now.
func (r *certReloader) current() tls.Certificate { return *r.cur.Load() }

var errNotRegular = errors.New("not a regular file, which --tls-reload cannot read again")

// filesState is what os.Stat says of each file (through symbolic links):
// a file renamed over it, a link pointed elsewhere or a write shows.
type filesState []os.FileInfo

// state returns the state of the files of r.
func (r *certReloader) state() (filesState, error) {
	var st filesState
	for _, f := range [][2]string{{"--tls-cert", r.certFile}, {"--tls-key", r.keyFile}, {"--tls-password-file", r.passwordFile}} {
		if f[1] == "" {
			continue
		}
		fi, err := os.Stat(f[1])
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", f[0], f[1], pathErr(err))
		}
		if !fi.Mode().IsRegular() {
			// A FIFO or a pipe (<(cat cert.pem)) read again would
			// hold the handshake that reads it until a writer comes.
			return nil, fmt.Errorf("%s %q: %w", f[0], f[1], errNotRegular)
		}
		st = append(st, fi)
	}
	return st, nil
}

// changedWithin reports whether a file of st was modified less than d
// before now (a time after now, from another clock, is not).
func (st filesState) changedWithin(now time.Time, d time.Duration) bool {
	for _, fi := range st {
		if age := now.Sub(fi.ModTime()); age >= 0 && age < d {
			return true
		}
	}
	return false
}

func (st filesState) same(o filesState) bool {
	if len(st) != len(o) {
		return false
	}
	for i := range st {
		if !os.SameFile(st[i], o[i]) || st[i].Size() != o[i].Size() || !st[i].ModTime().Equal(o[i].ModTime()) {
			return false
		}
	}
	return true
}
