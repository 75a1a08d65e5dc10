package scope_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/internal/scope"
)

type entry struct{ name string }
type page struct{ name string }

func TestSet(t *testing.T) {
	r0 := httptest.NewRequest("GET", "/", nil)
	if scope.Get(r0.Context(), scope.Entry) != nil {
		t.Fatal("a fresh request has an entry")
	}

	// The outermost middleware attaches its Values to a copy of r.
	var outer scope.Values
	log := &entry{"log"}
	r1 := scope.Set(r0, &outer, scope.Entry, log)
	if r1 == r0 || scope.From(r1.Context()) != &outer || scope.Get(r1.Context(), scope.Entry) != log {
		t.Fatal("Set did not attach the caller's Values to a copy of the request")
	}

	// The next one fills its empty slot in place: no copy of the request.
	var unused scope.Values
	ep := &page{"outer page"}
	if r2 := scope.Set(r1, &unused, scope.ErrorPage, ep); r2 != r1 {
		t.Error("filling an empty slot copied the request")
	}
	if scope.Get(r1.Context(), scope.ErrorPage) != ep || unused.ErrorPage.Load() != nil {
		t.Error("the slot was not filled in the Values found")
	}

	// The same kind nested: a new Values for the inner subtree, with the
	// other slots copied; what lies outside still sees its own.
	var inner scope.Values
	ep2 := &page{"inner page"}
	r3 := scope.Set(r1, &inner, scope.ErrorPage, ep2)
	if r3 == r1 || scope.Get(r3.Context(), scope.ErrorPage) != ep2 || scope.Get(r3.Context(), scope.Entry) != log {
		t.Error("nested: the inner request does not see the inner page and the outer entry")
	}
	if scope.Get(r1.Context(), scope.ErrorPage) != ep {
		t.Error("nested: the outer request lost its page")
	}
}

// MarkCredentials: checked wins over unchecked in either order, a request
// inside Values with the slot free is marked without a copy, and one
// without Values gets a copy whose Values keep the other slots.
func TestMarkCredentials(t *testing.T) {
	plain := httptest.NewRequest("GET", "/", nil)
	if checked, seen := scope.Credentials(plain.Context()); checked || seen {
		t.Errorf("unmarked: checked %v, seen %v", checked, seen)
	}
	for _, order := range [][]bool{{false}, {true}, {false, true}, {true, false}, {false, false}} {
		r := plain
		for _, c := range order {
			r = scope.MarkCredentials(r, c)
		}
		want := slices.Contains(order, true)
		if checked, seen := scope.Credentials(r.Context()); checked != want || !seen {
			t.Errorf("marked %v: checked %v, seen %v; want checked %v", order, checked, seen, want)
		}
	}

	var own scope.Values
	entry := new(int)
	r := scope.Set(plain, &own, scope.Entry, entry)
	if got := scope.MarkCredentials(r, true); got != r {
		t.Error("a request inside Values was copied")
	}
	if checked, _ := scope.Credentials(r.Context()); !checked {
		t.Error("the mark is not in the Values")
	}
	// A check further in than a middleware that passed the credentials
	// over marks them checked for the whole request: the access log
	// outside both names their user. So it does through a copy of the
	// Values (a nested middleware's), and across requests nothing is
	// shared.
	outer := scope.MarkCredentials(scope.Set(plain, new(scope.Values), scope.Entry, entry), false)
	other := scope.MarkCredentials(scope.Set(plain, new(scope.Values), scope.Entry, entry), false)
	inner := scope.Set(outer, new(scope.Values), scope.Entry, new(int))
	if r2 := scope.MarkCredentials(inner, true); r2 != inner {
		t.Error("checking credentials marked unchecked copied the request")
	}
	for what, r := range map[string]*http.Request{"inner": inner, "outer": outer} {
		if checked, seen := scope.Credentials(r.Context()); !checked || !seen {
			t.Errorf("checked further in: the %s request has checked %v, seen %v", what, checked, seen)
		}
	}
	if checked, _ := scope.Credentials(other.Context()); checked {
		t.Error("checking one request's credentials marked another's")
	}
}

// Attached Values are the request's context: the parent's deadline,
// cancellation and values show through, and a context derived from it is
// cancelled with the parent.
func TestValuesContext(t *testing.T) {
	type ctxKey struct{}
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(context.Background(), ctxKey{}, "outer"), deadline)
	r := httptest.NewRequest("GET", "/", nil).WithContext(parent)
	var own scope.Values
	ctx := scope.Set(r, &own, scope.Entry, &entry{"log"}).Context()
	if got, ok := ctx.Deadline(); !ok || !got.Equal(deadline) {
		t.Errorf("Deadline() = %v, %v; want %v, true", got, ok, deadline)
	}
	if got := ctx.Value(ctxKey{}); got != "outer" {
		t.Errorf("the parent's value: %v", got)
	}
	if scope.From(ctx) != &own {
		t.Error("From does not find the Values")
	}
	if got, want := fmt.Sprint(ctx), "context.Background.WithValue(scope_test.ctxKey, outer).WithDeadline("; !strings.HasPrefix(got, want) || !strings.HasSuffix(got, ".WithValue(scope.Values)") {
		t.Errorf("printed as %q", got)
	}
	child, stop := context.WithCancel(ctx)
	defer stop()
	if ctx.Err() != nil {
		t.Fatal("done before the parent was cancelled")
	}
	cancel()
	<-child.Done()
	<-ctx.Done()
	if ctx.Err() != context.Canceled || context.Cause(child) != context.Canceled {
		t.Errorf("Err() = %v, Cause(child) = %v; want context.Canceled", ctx.Err(), context.Cause(child))
	}
}
