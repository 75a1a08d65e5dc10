package pyescape

// Eight bytes at a time: the fast paths test a whole uint64 of input for
// bytes that need work (the "haszero" family from Bit Twiddling Hacks) and
// skip it when there are none. Each test is exact for the whole word.

const (
	lsb = 0x0101010101010101 // 0x01 in every byte
	msb = 0x8080808080808080 // 0x80 in every byte
)

// load64 returns s[i:i+8] as a little-endian uint64; the compiler turns it
// into one load.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// hasZero reports whether any byte of x is 0.
func hasZero(x uint64) bool { return (x-lsb)&^x&msb != 0 }

// hasByte reports whether any byte of x is c.
func hasByte(x uint64, c byte) bool { return hasZero(x ^ lsb*uint64(c)) }

// hasLess reports whether any byte of x is less than n, for n <= 128.
func hasLess(x uint64, n byte) bool { return (x-lsb*uint64(n))&^x&msb != 0 }

// hasBetween reports whether any byte of x is greater than m and less than
// n, for x without bytes >= 0x80 and 0 <= m < n <= 128.
func hasBetween(x uint64, m, n byte) bool {
	const low7 = lsb * 0x7f
	return (lsb*(127+uint64(n))-x&low7)&^x&(x&low7+lsb*(127-uint64(m)))&msb != 0
}

// logClean8 reports whether Log keeps s[i:i+8] as it is because it is
// ASCII without C0 controls, DEL or backslash.
func logClean8(s string, i int) bool {
	x := load64(s, i)
	return x&msb == 0 && !hasLess(x, 0x20) && !hasByte(x, 0x7f) && !hasByte(x, '\\')
}

// htmlClean8 reports whether HTML keeps s[i:i+8] as it is because it is
// ASCII without '&', '<' or '>'.
func htmlClean8(s string, i int) bool {
	x := load64(s, i)
	return x&msb == 0 && !hasByte(x, '&') && !hasByte(x, '<') && !hasByte(x, '>')
}

// lowerClean8 reports whether Lower keeps s[i:i+8] as it is because it is
// ASCII without upper-case letters.
func lowerClean8(s string, i int) bool {
	x := load64(s, i)
	return x&msb == 0 && !hasBetween(x, 'A'-1, 'Z'+1)
}
