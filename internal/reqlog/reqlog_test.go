package reqlog

import (
	"context"
	"slices"
	"sync"
	"testing"
)

func TestEntry(t *testing.T) {
	if got := FromContext(context.Background()); got != nil {
		t.Fatalf("FromContext(empty) = %v, want nil", got)
	}
	var none *Entry
	none.Log("dropped") // no access log installed: must not panic
	if none.Messages() != nil {
		t.Fatal("nil Entry has messages")
	}

	e := &Entry{}
	ctx := NewContext(context.Background(), e)
	if FromContext(ctx) != e {
		t.Fatal("FromContext does not return the Entry")
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); FromContext(ctx).Log("m") }()
	}
	wg.Wait()
	if n := len(e.Messages()); n != 10 {
		t.Fatalf("%d messages, want 10", n)
	}
	e.Reset()
	e.Log("code 404, message File not found")
	if got := e.Messages(); !slices.Equal(got, []string{"code 404, message File not found"}) {
		t.Fatalf("Messages() = %q", got)
	}
}
