// Package suggest finds the names nearest to a misspelt one, for the "did
// you mean" part of errors about unknown pallets, items, methods and
// functions.
package suggest

import "strings"

// Closest returns up to 3 of names close to want, nearest first:
// case-insensitive matches, substrings and small edit distances.
func Closest(want string, names []string) []string {
	type cand struct {
		name  string
		d, ed int
	}
	lw := strings.ToLower(want)
	var cs []cand
	for _, n := range names {
		ln := strings.ToLower(n)
		ed := editDistance(lw, ln)
		d := ed
		switch {
		case ln == lw:
			d = 0
		case lw != "" && (strings.Contains(ln, lw) || strings.Contains(lw, ln)):
			d = min(d, 1)
		}
		if d <= max(2, len(want)/3) {
			cs = append(cs, cand{n, d, ed})
		}
	}
	// Insertion sort by distance: candidate lists are short.
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && (cs[j].d < cs[j-1].d || (cs[j].d == cs[j-1].d && cs[j].ed < cs[j-1].ed)); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

// editDistance is the Levenshtein distance of a and b; names longer than
// 64 bytes are only compared for equality, which bounds the work.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		if a == b {
			return 0
		}
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
