package negotiate

import (
	"strings"
)

// Encoding returns the content coding that the Accept-Encoding field
// values accept ranks highest among offers, the codings the server can
// send in its own order of preference ("br", "zstd", "gzip"), or "" for
// identity (no coding), following RFC 9110 §12.5.3:
//
//   - no Accept-Encoding field at all (accept is nil) gets identity: the
//     client may take anything, but one that says nothing (curl, wget)
//     is most likely a tool that would store the coded bytes as they are;
//   - an empty field value means identity only;
//   - codings are matched case-insensitively, "x-gzip" as "gzip", and "*"
//     stands for every coding the field does not name;
//   - q=0 excludes a coding; a higher q wins, and among equal q the
//     earlier offer, and any offered coding over identity;
//   - identity is acceptable unless excluded, by "identity;q=0" or by
//     "*;q=0" with no entry for identity; when neither a coding nor
//     identity is acceptable, ok is false and the caller may send 406 or,
//     as most servers do, identity anyway.
//
// Several field lines count as one list, joined by commas.
func Encoding(accept []string, offers ...string) (coding string, ok bool) {
	if accept == nil {
		return "", true
	}
	// The q of each offer, of identity and of "*"; -1 where not named.
	var qs [8]float64
	var offerQ []float64
	if len(offers) <= len(qs) {
		offerQ = qs[:len(offers)]
	} else {
		offerQ = make([]float64, len(offers))
	}
	for i := range offerQ {
		offerQ[i] = -1
	}
	identityQ, starQ := -1.0, -1.0
	for _, line := range accept {
		for len(line) > 0 {
			var part string
			if i := strings.IndexByte(line, ','); i >= 0 {
				part, line = line[:i], line[i+1:]
			} else {
				part, line = line, ""
			}
			name, params, _ := strings.Cut(part, ";")
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			q := paramQ(params)
			switch {
			case name == "*":
				starQ = max(starQ, q)
			case strings.EqualFold(name, "identity"):
				identityQ = max(identityQ, q)
			default:
				if strings.EqualFold(name, "x-gzip") {
					name = "gzip"
				}
				for i, o := range offers {
					if strings.EqualFold(name, o) {
						offerQ[i] = max(offerQ[i], q)
					}
				}
			}
		}
	}
	best, bestQ := -1, 0.0
	for i, q := range offerQ {
		if q < 0 {
			q = starQ // not named: "*" decides, if present
		}
		if q > bestQ {
			best, bestQ = i, q
		}
	}
	switch {
	case identityQ < 0 && starQ == 0:
		identityQ = 0 // "*;q=0" excludes identity too
	case identityQ < 0:
		identityQ = 0.0001 // acceptable, but the least wanted
	}
	if best >= 0 && bestQ >= identityQ {
		return offers[best], true
	}
	return "", identityQ > 0
}
