package engine

import (
	"context"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1 patterns, matched as the reference implementation (lstrlib.c)
// does, with two differences that keep a hostile pattern from holding a
// run: the matcher looks at the run's context every patCheckEvery steps,
// so --timeout and Ctrl-C stop catastrophic backtracking, and its
// recursion is bounded, so a long pattern cannot exhaust the Go stack.

const (
	patMaxCaptures = 32 // LUA_MAXCAPTURES
	capUnfinished  = -1
	capPosition    = -2
	// patMaxDepth bounds the matcher's recursion (Lua 5.2's MAXCCALLS).
	patMaxDepth = 200
	// patCheckEvery is how many matcher steps pass between looks at the
	// run's context: a few microseconds of work.
	patCheckEvery = 1 << 12
	patEsc        = '%'
	patSpecials   = "^$*+?.([%-"
)

type capture struct{ init, len int }

type matchState struct {
	L       *lua.LState
	ctx     context.Context
	src     string
	pat     string
	level   int
	depth   int
	steps   int
	capture [patMaxCaptures]capture
}

func newMatchState(L *lua.LState, src, pat string) *matchState {
	return &matchState{L: L, ctx: L.Context(), src: src, pat: pat}
}

// step counts one unit of work and stops the match when the run's
// context has ended.
func (ms *matchState) step() {
	ms.steps++
	if ms.steps%patCheckEvery != 0 || ms.ctx == nil {
		return
	}
	if err := ms.ctx.Err(); err != nil {
		raise(ms.L, "pattern matching stopped: %s", context.Cause(ms.ctx))
	}
}

func (ms *matchState) fail(msg string) {
	raise(ms.L, "%s", msg)
}

// at returns the pattern byte at p, or 0 past its end (C's terminator).
func (ms *matchState) at(p int) byte {
	if p < len(ms.pat) {
		return ms.pat[p]
	}
	return 0
}

func (ms *matchState) classEnd(p int) int {
	c := ms.at(p)
	p++
	switch c {
	case patEsc:
		if p >= len(ms.pat) {
			ms.fail("malformed pattern (ends with '%')")
		}
		return p + 1
	case '[':
		if ms.at(p) == '^' {
			p++
		}
		for { // look for a ']'
			if p >= len(ms.pat) {
				ms.fail("malformed pattern (missing ']')")
			}
			c := ms.pat[p]
			p++
			if c == patEsc && p < len(ms.pat) {
				p++ // skip escapes (e.g. '%]')
			}
			if ms.at(p) == ']' {
				return p + 1
			}
		}
	}
	return p
}

func isalpha(c byte) bool  { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isdigit(c byte) bool  { return c >= '0' && c <= '9' }
func islower(c byte) bool  { return c >= 'a' && c <= 'z' }
func isupper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func iscntrl(c byte) bool  { return c < 32 || c == 127 }
func isspace(c byte) bool  { return c == ' ' || c >= '\t' && c <= '\r' }
func isxdigit(c byte) bool { return isdigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }
func ispunct(c byte) bool  { return c > 32 && c < 127 && !isalpha(c) && !isdigit(c) }

func matchClass(c, cl byte) bool {
	var res bool
	switch cl | 0x20 {
	case 'a':
		res = isalpha(c)
	case 'c':
		res = iscntrl(c)
	case 'd':
		res = isdigit(c)
	case 'l':
		res = islower(c)
	case 'p':
		res = ispunct(c)
	case 's':
		res = isspace(c)
	case 'u':
		res = isupper(c)
	case 'w':
		res = isalpha(c) || isdigit(c)
	case 'x':
		res = isxdigit(c)
	case 'z':
		res = c == 0
	default:
		return cl == c
	}
	if isupper(cl) {
		return !res
	}
	return res
}

// matchBracketClass matches c against the set from p ('[') to ec (']').
func (ms *matchState) matchBracketClass(c byte, p, ec int) bool {
	sig := true
	if ms.at(p+1) == '^' {
		sig = false
		p++
	}
	for p++; p < ec; p++ {
		switch {
		case ms.pat[p] == patEsc:
			p++
			if matchClass(c, ms.at(p)) {
				return sig
			}
		case ms.at(p+1) == '-' && p+2 < ec:
			p += 2
			if ms.pat[p-2] <= c && c <= ms.pat[p] {
				return sig
			}
		case ms.pat[p] == c:
			return sig
		}
	}
	return !sig
}

// singleMatch reports whether the byte at s matches the class at p..ep.
func (ms *matchState) singleMatch(s, p, ep int) bool {
	if s >= len(ms.src) {
		return false
	}
	c := ms.src[s]
	switch ms.pat[p] {
	case '.':
		return true
	case patEsc:
		return matchClass(c, ms.at(p+1))
	case '[':
		return ms.matchBracketClass(c, p, ep-1)
	}
	return ms.pat[p] == c
}

// match returns the end of the match of pat[p:] at src[s:], or -1.
func (ms *matchState) match(s, p int) int {
	ms.depth++
	if ms.depth > patMaxDepth {
		ms.fail("pattern too complex")
	}
	defer func() { ms.depth-- }()
	for {
		ms.step()
		if p >= len(ms.pat) {
			return s // end of pattern
		}
		switch ms.pat[p] {
		case '(':
			if ms.at(p+1) == ')' {
				return ms.startCapture(s, p+2, capPosition)
			}
			return ms.startCapture(s, p+1, capUnfinished)
		case ')':
			return ms.endCapture(s, p+1)
		case patEsc:
			switch ms.at(p + 1) {
			case 'b':
				if s = ms.matchBalance(s, p+2); s < 0 {
					return -1
				}
				p += 4
				continue
			case 'f':
				p += 2
				if ms.at(p) != '[' {
					ms.fail("missing '[' after '%f' in pattern")
				}
				ep := ms.classEnd(p)
				var prev, cur byte
				if s > 0 {
					prev = ms.src[s-1]
				}
				if s < len(ms.src) {
					cur = ms.src[s]
				}
				if ms.matchBracketClass(prev, p, ep-1) || !ms.matchBracketClass(cur, p, ep-1) {
					return -1
				}
				p = ep
				continue
			default:
				if isdigit(ms.at(p + 1)) {
					if s = ms.matchCapture(s, ms.at(p+1)); s < 0 {
						return -1
					}
					p += 2
					continue
				}
			}
		case '$':
			if p+1 == len(ms.pat) {
				if s == len(ms.src) {
					return s
				}
				return -1
			}
		}
		// A single item, maybe repeated.
		ep := ms.classEnd(p)
		m := ms.singleMatch(s, p, ep)
		switch ms.at(ep) {
		case '?':
			if m {
				if res := ms.match(s+1, ep+1); res >= 0 {
					return res
				}
			}
			p = ep + 1
			continue
		case '*':
			return ms.maxExpand(s, p, ep)
		case '+':
			if !m {
				return -1
			}
			return ms.maxExpand(s+1, p, ep)
		case '-':
			return ms.minExpand(s, p, ep)
		}
		if !m {
			return -1
		}
		s++
		p = ep
	}
}

func (ms *matchState) maxExpand(s, p, ep int) int {
	i := 0
	for ms.singleMatch(s+i, p, ep) {
		i++
	}
	for ; i >= 0; i-- {
		if res := ms.match(s+i, ep+1); res >= 0 {
			return res
		}
	}
	return -1
}

func (ms *matchState) minExpand(s, p, ep int) int {
	for {
		if res := ms.match(s, ep+1); res >= 0 {
			return res
		}
		if !ms.singleMatch(s, p, ep) {
			return -1
		}
		s++
	}
}

func (ms *matchState) startCapture(s, p, what int) int {
	if ms.level >= patMaxCaptures {
		ms.fail("too many captures")
	}
	ms.capture[ms.level] = capture{init: s, len: what}
	ms.level++
	res := ms.match(s, p)
	if res < 0 {
		ms.level--
	}
	return res
}

func (ms *matchState) endCapture(s, p int) int {
	l := -1
	for i := ms.level - 1; i >= 0; i-- {
		if ms.capture[i].len == capUnfinished {
			l = i
			break
		}
	}
	if l < 0 {
		ms.fail("invalid pattern capture")
	}
	ms.capture[l].len = s - ms.capture[l].init
	res := ms.match(s, p)
	if res < 0 {
		ms.capture[l].len = capUnfinished
	}
	return res
}

func (ms *matchState) matchBalance(s, p int) int {
	if p+1 >= len(ms.pat) {
		ms.fail("unbalanced pattern")
	}
	if s >= len(ms.src) || ms.src[s] != ms.pat[p] {
		return -1
	}
	b, e, cont := ms.pat[p], ms.pat[p+1], 1
	for s++; s < len(ms.src); s++ {
		ms.step()
		switch ms.src[s] {
		case e:
			if cont--; cont == 0 {
				return s + 1
			}
		case b:
			cont++
		}
	}
	return -1
}

func (ms *matchState) matchCapture(s int, c byte) int {
	l := int(c) - '1'
	if l < 0 || l >= ms.level || ms.capture[l].len == capUnfinished {
		ms.fail("invalid capture index")
	}
	n := ms.capture[l].len
	if len(ms.src)-s >= n && ms.src[ms.capture[l].init:ms.capture[l].init+n] == ms.src[s:s+n] {
		return s + n
	}
	return -1
}

// oneCapture returns capture i of the match src[s:e].
func (ms *matchState) oneCapture(i, s, e int) lua.LValue {
	if i >= ms.level {
		if i != 0 {
			ms.fail("invalid capture index")
		}
		return lua.LString(ms.src[s:e])
	}
	c := ms.capture[i]
	switch c.len {
	case capUnfinished:
		ms.fail("unfinished capture")
	case capPosition:
		return lua.LNumber(c.init + 1)
	}
	return lua.LString(ms.src[c.init : c.init+c.len])
}

// pushCaptures pushes the captures of the match src[s:e] (the whole match
// when there are none and whole is set) and returns how many.
func (ms *matchState) pushCaptures(s, e int, whole bool) int {
	n := ms.level
	if n == 0 && whole {
		n = 1
	}
	for i := range n {
		ms.L.Push(ms.oneCapture(i, s, e))
	}
	return n
}

// strIndex turns a Lua string position (1-based, negative from the end)
// into a 0-based offset clamped to [0, n].
func strIndex(pos, n int) int {
	if pos < 0 {
		pos += n + 1
	}
	pos--
	return min(max(pos, 0), n)
}

// strFind implements string.find (find) and string.match.
func strFind(L *lua.LState, find bool) int {
	src, pat := L.CheckString(1), L.CheckString(2)
	init := strIndex(L.OptInt(3, 1), len(src))
	if find && (lua.LVAsBool(L.Get(4)) || !hasSpecials(pat)) {
		if i := indexFrom(src, pat, init); i >= 0 {
			L.Push(lua.LNumber(i + 1))
			L.Push(lua.LNumber(i + len(pat)))
			return 2
		}
		L.Push(lua.LNil)
		return 1
	}
	ms := newMatchState(L, src, pat)
	p, anchor := 0, len(pat) > 0 && pat[0] == '^'
	if anchor {
		p = 1
	}
	for s := init; ; s++ {
		ms.level = 0
		if e := ms.match(s, p); e >= 0 {
			if find {
				L.Push(lua.LNumber(s + 1))
				L.Push(lua.LNumber(e))
				return ms.pushCaptures(0, 0, false) + 2
			}
			return ms.pushCaptures(s, e, true)
		}
		if s >= len(src) || anchor {
			break
		}
	}
	L.Push(lua.LNil)
	return 1
}

func hasSpecials(p string) bool {
	for i := 0; i < len(p); i++ {
		for j := 0; j < len(patSpecials); j++ {
			if p[i] == patSpecials[j] {
				return true
			}
		}
	}
	return false
}

// indexFrom is a plain search from offset init.
func indexFrom(s, sub string, init int) int {
	i := strings.Index(s[init:], sub)
	if i < 0 {
		return -1
	}
	return init + i
}

// strGmatch implements string.gmatch.
func strGmatch(L *lua.LState) int {
	src, pat := L.CheckString(1), L.CheckString(2)
	pos := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		ms := newMatchState(L, src, pat)
		for s := pos; s <= len(src); s++ {
			ms.level = 0
			if e := ms.match(s, 0); e >= 0 {
				pos = e
				if e == s {
					pos++ // empty match: go at least one position
				}
				return ms.pushCaptures(s, e, true)
			}
		}
		pos = len(src) + 1
		return 0
	}))
	return 1
}
