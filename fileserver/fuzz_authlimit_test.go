package fileserver

import (
	"context"
	"hash/maphash"
	"testing"
	"time"
)

// FuzzFailureLimiter runs any sequence of logins of one client, one at a
// time, through the failure limiter and checks each answer against what
// BasicAuthOptions.MaxFailures promises: the failures in a row count up,
// each from the limit on blocks the client (for a second, doubling, up
// to MaxRetryAfter) and a blocked client is refused until then; a
// FailureWindow with no failure and no block forgets them; a success
// forgets them only when all were for the user who succeeds, so that a
// client that knows one password cannot go on guessing another's.
//
// Each byte of ops is one login: its low two bits pick the user, bit 2
// makes it succeed, bit 3 makes a success one the cache knows (no check),
// and its high four bits are the time since the last, in 5 s steps.
func FuzzFailureLimiter(f *testing.F) {
	f.Add(uint8(5), []byte{0x01, 0x01, 0x01, 0x01, 0x04, 0x01, 0x01})
	f.Add(uint8(3), []byte{0x02, 0x06, 0x01, 0x0c, 0x01, 0xd1, 0x01, 0x05})
	f.Add(uint8(1), []byte{0x03, 0x13, 0xf3, 0x07})
	f.Fuzz(func(t *testing.T, limit uint8, ops []byte) {
		limit = 1 + limit%8
		users := []string{"alice", "bob", "carol", ""}
		now := time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC)
		const window, maxWait = time.Minute, 10 * time.Minute
		l := &failureLimiter{
			limit: int(limit), window: window, maxWait: maxWait, max: 10,
			now: func() time.Time { return now }, seed: maphash.MakeSeed(),
			clients: map[string]*failures{},
		}
		// The model: failures in a row, when the last was, the end of
		// the block, and the users they were for.
		var (
			n           int
			last, until time.Time
			for_        = map[string]bool{}
		)
		forget := func() { n, last, until, for_ = 0, time.Time{}, time.Time{}, map[string]bool{} }
		for i, op := range ops {
			now = now.Add(time.Duration(op>>4) * 5 * time.Second)
			user, ok, cached := users[op&3], op&4 != 0, op&8 != 0
			end := last
			if until.After(end) {
				end = until
			}
			if n > 0 && now.Sub(end) > window {
				forget()
			}
			succeed := func() {
				if n == 0 || len(for_) == 1 && for_[user] {
					forget()
				}
			}
			blocked := l.blocked("c")
			if now.Before(until) {
				if blocked != until.Sub(now) {
					t.Fatalf("op %d: blocked %v, want %v", i, blocked, until.Sub(now))
				}
				continue // refused before any check
			}
			if blocked != 0 {
				t.Fatalf("op %d: blocked %v, want not", i, blocked)
			}
			if ok && cached {
				l.forget("c", user)
				succeed()
				continue
			}
			wait, err := l.begin(context.Background(), "c")
			if err != nil || wait != 0 {
				t.Fatalf("op %d: begin = %v, %v; want to go ahead", i, wait, err)
			}
			gotN, gotWait := l.end("c", user, ok)
			if ok {
				succeed()
				if gotN != 0 || gotWait != 0 {
					t.Fatalf("op %d: success: end = %d, %v", i, gotN, gotWait)
				}
				continue
			}
			n++
			last = now
			for_[user] = true
			var wantWait time.Duration
			if n >= int(limit) {
				wantWait = maxWait
				if k := n - int(limit); k < 30 && time.Second<<k < wantWait {
					wantWait = time.Second << k
				}
				until = now.Add(wantWait)
			}
			if gotN != n || gotWait != wantWait {
				t.Fatalf("op %d: failure of %q: end = %d, %v; want %d, %v", i, user, gotN, gotWait, n, wantWait)
			}
		}
	})
}
