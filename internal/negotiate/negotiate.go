// Package negotiate picks what a client prefers from a short list of
// offers: the media type, by the q-values of its Accept header (RFC 9110
// §12.5.1, [Best]), and the content coding, by those of Accept-Encoding
// (§12.5.3, [Encoding]).
package negotiate

import (
	"strconv"
	"strings"
)

// Best returns the offer the Accept header value accept ranks highest.
// Offers are full media types ("text/html"); a more specific range in
// accept wins over a wildcard for the same offer ("text/html;q=0" beats
// "*/*"). Between offers of the same q-value, one the header names wins
// over one it takes through a wildcard only, as Express's negotiator has
// it (and Caddy's listing, which answers JSON whenever Accept names it):
// "application/json, text/plain, */*", the Accept of axios and Angular,
// asks for JSON, not for the page "*/*" also takes.
// Remaining ties go to the earlier offer, so offers[0] is the default: an
// empty or unparsable Accept selects it, as does one that ranks every offer
// at q=0 (an error page must still be sent in some form).
func Best(accept string, offers ...string) string {
	if accept == "" || len(offers) == 0 {
		return offers[0]
	}
	best, bestQ, bestSpec := offers[0], -1.0, -1
	for _, offer := range offers {
		q, spec := match(accept, offer)
		if q > bestQ || q == bestQ && spec > bestSpec {
			best, bestQ, bestSpec = offer, q, spec
		}
	}
	if bestQ <= 0 {
		return offers[0]
	}
	return best
}

// quality returns the q-value accept gives offer, -1 if no range matches.
func quality(accept, offer string) float64 {
	q, _ := match(accept, offer)
	return q
}

// match returns the q-value accept gives offer and how specific the range
// that gives it is: 2 for the type itself, 1 for "type/*", 0 for "*/*";
// -1 and -1 if no range matches.
func match(accept, offer string) (float64, int) {
	slash := strings.IndexByte(offer, '/')
	typ, sub := offer[:slash], offer[slash+1:]
	q, specificity := -1.0, -1
	for len(accept) > 0 {
		var part string
		if i := strings.IndexByte(accept, ','); i >= 0 {
			part, accept = accept[:i], accept[i+1:]
		} else {
			part, accept = accept, ""
		}
		mr, params, _ := strings.Cut(part, ";")
		mr = strings.TrimSpace(mr)
		rt, rs, ok := strings.Cut(mr, "/")
		if !ok {
			continue
		}
		spec := 0
		switch {
		case strings.EqualFold(rt, typ) && strings.EqualFold(rs, sub):
			spec = 2
		case strings.EqualFold(rt, typ) && rs == "*":
			spec = 1
		case rt == "*" && rs == "*":
			spec = 0
		default:
			continue
		}
		if spec < specificity {
			continue
		}
		specificity = spec
		q = paramQ(params)
	}
	return q, specificity
}

func paramQ(params string) float64 {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || !(f >= 0 && f <= 1) { // NaN is neither
				return 0
			}
			return f
		}
	}
	return 1
}

// Accepts reports whether the Accept header value accept takes the media
// type offer with a q-value above 0, by its most specific matching range.
func Accepts(accept, offer string) bool {
	return quality(accept, offer) > 0
}

// List returns the lines of a list header field (Accept,
// Accept-Encoding) as the one list they are (RFC 9110 section 5.3):
// joined with commas, without a copy for the usual single line.
func List(lines []string) string {
	switch len(lines) {
	case 0:
		return ""
	case 1:
		return lines[0]
	}
	return strings.Join(lines, ",")
}
