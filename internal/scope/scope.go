// Package scope carries what the module's middlewares hand to the handlers
// they wrap (the request's access-log entry, the error-page middleware) in
// the request's context, with a single copy of the request for all of
// them: the outermost middleware attaches a [Values] to the context, and
// the ones inside it fill their slot in the same Values.
//
// A slot is filled once, before the wrapped handler runs, and never
// changed afterwards: a middleware that finds its slot taken (the same
// middleware nested, or the same request served twice) attaches a new
// Values, a copy of the one it found, to a new copy of the request, so
// that what lies outside it keeps seeing its own. The slots are atomic so
// that goroutines started by a handler may read them.
package scope

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// Values are the per-request slots. The zero value is empty and ready to
// use; a middleware embeds one in its per-request state, so that
// attaching it costs no allocation of its own. Attached, a Values is
// itself the request's context: its parent's, with the Values added, as
// context.WithValue would make it, without the allocation of the
// context.WithValue's node.
type Values struct {
	// parent is the context the Values were attached to.
	parent context.Context

	// Entry is the request's *accesslog.Entry.
	Entry atomic.Value
	// ErrorPage is the per-request state of the innermost errorpage
	// middleware.
	ErrorPage atomic.Value
	// Auth is what the authentication middlewares did with the
	// request's credentials (see MarkCredentials).
	Auth atomic.Value
}

type key struct{}

// From returns the Values attached to ctx, or nil.
func From(ctx context.Context) *Values {
	v, _ := ctx.Value(key{}).(*Values)
	return v
}

// Slot selects one slot of a Values.
type Slot func(*Values) *atomic.Value

// The slots.
var (
	Entry     Slot = func(v *Values) *atomic.Value { return &v.Entry }
	ErrorPage Slot = func(v *Values) *atomic.Value { return &v.ErrorPage }
	Auth      Slot = func(v *Values) *atomic.Value { return &v.Auth }
)

// Set stores x in the given slot for r and the handlers it reaches, and
// returns the request to pass on. If r's context carries Values whose slot
// is empty, x goes there and r itself is returned. Otherwise own, the
// caller's empty Values (which must stay alive and unchanged for as long
// as the request and whatever it started may use it), receives the other
// slots of the Values found, if any, and x, and is attached to a copy of
// r. x must be a non-nil pointer, of the same type in every call for the
// same slot.
func Set(r *http.Request, own *Values, slot Slot, x any) *http.Request {
	found := From(r.Context())
	if found != nil && slot(found).CompareAndSwap(nil, x) {
		return r
	}
	if found != nil {
		for _, s := range []Slot{Entry, ErrorPage, Auth} {
			if v := s(found).Load(); v != nil {
				s(own).Store(v)
			}
		}
	}
	slot(own).Store(x)
	own.parent = r.Context()
	return r.WithContext(own)
}

// Deadline, Done, Err and Value make attached Values the context of the
// request they were attached to: its parent's, with the Values under
// their key.

func (v *Values) Deadline() (deadline time.Time, ok bool) { return v.parent.Deadline() }
func (v *Values) Done() <-chan struct{}                   { return v.parent.Done() }
func (v *Values) Err() error                              { return v.parent.Err() }

// String names the context as context.WithValue's would, rather than
// letting fmt print the slots, which handlers' goroutines may be filling.
func (v *Values) String() string {
	name := "context"
	if s, ok := v.parent.(fmt.Stringer); ok {
		name = s.String()
	}
	return name + ".WithValue(scope.Values)"
}

func (v *Values) Value(k any) any {
	if _, ok := k.(key); ok {
		return v
	}
	return v.parent.Value(k)
}

// Get returns the value of the slot for ctx, or nil.
func Get(ctx context.Context, slot Slot) any {
	if v := From(ctx); v != nil {
		return slot(v).Load()
	}
	return nil
}

// credentials is the value of the Auth slot. An unchecked one is the
// request's own, so that a check further in can mark it checked in place,
// where every Values that copied it sees so.
type credentials struct{ checked atomic.Bool }

// credentialsChecked is the value of every request whose credentials
// were checked first: it never changes.
var credentialsChecked = func() *credentials {
	c := new(credentials)
	c.checked.Store(true)
	return c
}()

// MarkCredentials returns r marked as carrying credentials that an
// authentication middleware has seen and either checked (checked true:
// it verified them, or refused the request for them) or passed on
// unchecked (a request outside its scope), so that a handler inside,
// such as the cgi middleware's REMOTE_USER, does not take unchecked
// credentials for a verified user. Checked wins: once one middleware on
// the way checked them, another that did not check them changes nothing;
// and a check further in than one that passed them over marks them
// checked for the whole request, the access log outside both included.
// It attaches no copy of r when the context already carries Values with
// the slot free (inside an access log or error-page middleware).
func MarkCredentials(r *http.Request, checked bool) *http.Request {
	if cur, _ := Get(r.Context(), Auth).(*credentials); cur != nil {
		if checked && !cur.checked.Load() {
			cur.checked.Store(true)
		}
		return r
	}
	x := credentialsChecked
	if !checked {
		x = new(credentials)
	}
	if v := From(r.Context()); v != nil && Auth(v).CompareAndSwap(nil, x) {
		return r
	}
	return Set(r, new(Values), Auth, x)
}

// Credentials reports what the authentication middlewares on the way to
// ctx's request did with its credentials: seen is false if none marked
// them, and checked says whether one of them checked them.
func Credentials(ctx context.Context) (checked, seen bool) {
	c, _ := Get(ctx, Auth).(*credentials)
	return c != nil && c.checked.Load(), c != nil
}
