package fileserver

import (
	"fmt"
	"hash/maphash"
	"testing"
)

// sieveCache returns a cache with room for n entries of one byte under
// names of the form "f0000".
func sieveCache(n int) *fileCache {
	return newFileCache(int64(n*(1+5+entryOverhead)), 1)
}

func putName(c *fileCache, i int) *cachedFile {
	name := fmt.Sprintf("f%04d", i)
	e := &cachedFile{id: fileID{ino: uint64(i)}, content: []byte{'x'}}
	c.put(name, e)
	return e
}

func has(c *fileCache, i int) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[fmt.Sprintf("f%04d", i)] != nil
}

// checkCache fails unless the list of entries holds exactly the map's
// entries, linked both ways, and the byte count is their sum.
func checkCache(t *testing.T, c *fileCache) {
	t.Helper()
	c.mu.RLock()
	defer c.mu.RUnlock()
	n, bytes := 0, int64(0)
	var newer *cachedFile
	for e := c.head; e != nil; e = e.older {
		if e.newer != newer || !e.inCache || c.m[e.key] != e {
			t.Fatalf("entry %q: badly linked or not in the map", e.key)
		}
		newer = e
		n++
		bytes += e.cost
	}
	if newer != c.tail || n != len(c.m) || bytes != c.bytes || c.bytes > c.maxBytes {
		t.Fatalf("list of %d entries (%d bytes), map of %d (%d bytes, max %d)", n, bytes, len(c.m), c.bytes, c.maxBytes)
	}
}

// TestCacheEvictsUnvisited: a full cache drops the oldest entry nobody
// asked for since it came in, not the oldest one.
func TestCacheEvictsUnvisited(t *testing.T) {
	c := sieveCache(4)
	for i := range 4 {
		putName(c, i)
	}
	if c.get("f0000", fileID{ino: 0}) == nil {
		t.Fatal("f0000 not cached")
	}
	putName(c, 4)
	if !has(c, 0) || has(c, 1) {
		t.Fatalf("after a hit on f0000 and one more file: f0000 kept %v, f0001 kept %v; want f0001 evicted", has(c, 0), has(c, 1))
	}
	// The hand passed f0000 and cleared its mark. With f0002 to f0004
	// asked for, the hand passes them, comes round to f0000, finds it not
	// asked for since, and evicts it.
	for i := 2; i <= 4; i++ {
		if c.get(fmt.Sprintf("f%04d", i), fileID{ino: uint64(i)}) == nil {
			t.Fatalf("f%04d not cached", i)
		}
	}
	putName(c, 5)
	if has(c, 0) || !has(c, 2) || !has(c, 3) || !has(c, 4) || !has(c, 5) {
		t.Fatalf("after hits on f0002 to f0004 and one more file: kept %v %v %v %v %v, want f0000 evicted, the others kept",
			has(c, 0), has(c, 2), has(c, 3), has(c, 4), has(c, 5))
	}
	checkCache(t, c)
}

// TestCacheKeepsPopular: a few files asked for again and again stay
// while many files asked for once pass through the cache.
func TestCacheKeepsPopular(t *testing.T) {
	c := sieveCache(50)
	popular := make([]fileID, 10)
	for i := range popular {
		putName(c, i)
		popular[i] = fileID{ino: uint64(i)}
	}
	for i := 100; i < 2100; i++ {
		putName(c, i)
		for j, id := range popular {
			if c.get(fmt.Sprintf("f%04d", j), id) == nil {
				t.Fatalf("popular f%04d evicted by the one-time f%04d", j, i)
			}
		}
	}
	checkCache(t, c)
}

// TestCacheReplace: a new version replaces the old under its name, an
// entry put twice is kept once, and the accounting stays exact through
// evictions and replacements.
func TestCacheReplace(t *testing.T) {
	c := sieveCache(8)
	for i := range 100 {
		putName(c, i%13)
		if i%3 == 0 {
			c.get(fmt.Sprintf("f%04d", i%7), fileID{ino: uint64(i % 7)})
		}
		checkCache(t, c)
	}
	e := putName(c, 200)
	c.put("f0200", e)
	c.put("other", e)
	checkCache(t, c)
	if has(c, 200) {
		t.Fatal("an entry put under a second name is still under the first")
	}
	// A new version under the same name: the old one is gone.
	v2 := &cachedFile{id: fileID{ino: 999}, content: []byte("y")}
	c.put("other", v2)
	if c.get("other", fileID{ino: 200}) != nil || c.get("other", fileID{ino: 999}) != v2 {
		t.Fatal("the new version did not replace the old")
	}
	checkCache(t, c)
	// An entry bigger than the cache is not kept, and evicts nothing.
	before := len(c.m)
	c.put("huge", &cachedFile{content: make([]byte, c.maxBytes)})
	if len(c.m) != before || c.m["huge"] != nil {
		t.Fatal("an entry bigger than the cache changed it")
	}
	checkCache(t, c)
}

// TestAdmitsSharedBucket: once the cache is full, two files whose names
// fall in the same bucket of the table of turned-away names, asked for in
// turn, both come in on their second request; a third name in that bucket
// pushes the oldest out.
func TestAdmitsSharedBucket(t *testing.T) {
	c := sieveCache(1)
	putName(c, 0) // full
	mask := uint64(len(c.door)-1) &^ 1
	bucket := func(name string) uint64 { return maphash.String(c.seed, name) & mask }
	var same []string
	for i := 1; len(same) < 3; i++ {
		if name := fmt.Sprintf("f%04d", i); bucket(name) == bucket("f0001") {
			same = append(same, name)
		}
	}
	a, b, x := same[0], same[1], same[2]
	for _, step := range []struct {
		name string
		want bool
	}{
		{a, false}, {b, false}, {a, true}, {b, true}, // in turn, both come in
		{a, false}, {b, false}, {x, false}, {a, false}, // x pushed a out
		{x, true},
	} {
		if got := c.admits(step.name, 1); got != step.want {
			t.Fatalf("admits(%s) = %v, want %v (a=%s b=%s x=%s)", step.name, got, step.want, a, b, x)
		}
	}
}

// TestAdmitsWhileRoom: a cache with room takes every file at once, and a
// full one takes a changed file whose old version it holds.
func TestAdmitsWhileRoom(t *testing.T) {
	c := sieveCache(2)
	if !c.admits("f0000", 1) {
		t.Fatal("an empty cache turned a file away")
	}
	putName(c, 0)
	putName(c, 1) // full
	if !c.admits("f0001", 1) {
		t.Error("a full cache turned away a new version of a file it holds")
	}
	if c.admits("f0002", 1) {
		t.Error("a full cache took a file asked for once")
	}
}
