package engine

import (
	"fmt"
	"math/big"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// The string and table builtins that can build a large value are replaced
// by versions that check the size against the run's memory before they
// allocate (see checkAlloc); the pattern functions also stop when the run
// ends (see pattern.go).

// builder accumulates a builtin's result, checking each growth of its
// buffer against the run's memory before allocating it.
type builder struct {
	e    *Engine
	L    *lua.LState
	what string
	buf  []byte
}

func (b *builder) grow(n int) {
	need := int64(len(b.buf)) + int64(n)
	if need <= int64(cap(b.buf)) {
		return
	}
	// Double while that fits; near the limit, grow by a quarter, then by
	// exactly what is needed: a result that fits is never refused because
	// its buffer's doubling would not.
	want := max(need, 2*int64(cap(b.buf)), 64)
	if want >= allocCheckMin {
		for _, w := range []int64{want, max(need, need+need/4), need} {
			if ok, _ := b.e.allocFits(w); ok || w == need {
				want = w
				break
			}
		}
	}
	b.e.checkAlloc(b.L, b.what, want)
	nb := make([]byte, len(b.buf), want)
	copy(nb, b.buf)
	b.buf = nb
}

func (b *builder) add(s string) {
	b.grow(len(s))
	b.buf = append(b.buf, s...)
}

func (b *builder) addByte(c byte) {
	b.grow(1)
	b.buf = append(b.buf, c)
}

// String returns the result without copying it; the builder must not be
// used afterwards.
func (b *builder) String() string {
	return unsafe.String(unsafe.SliceData(b.buf), len(b.buf))
}

// openStrings installs the checked builtins.
func (e *Engine) openStrings(L *lua.LState) {
	str := L.GetGlobal("string").(*lua.LTable)
	set := func(name string, fn lua.LGFunction) { str.RawSetString(name, L.NewFunction(fn)) }
	set("find", func(L *lua.LState) int { return strFind(L, true) })
	set("match", func(L *lua.LState) int { return strFind(L, false) })
	set("gmatch", strGmatch)
	set("gsub", e.strGsub)
	set("rep", func(L *lua.LState) int {
		s := L.CheckString(1)
		n := L.CheckInt(2)
		if n <= 0 || s == "" {
			L.Push(lua.LString(""))
			return 1
		}
		size := int64(len(s)) * int64(n)
		if size > MaxStringRep || size/int64(n) != int64(len(s)) {
			raise(L, "string.rep: result of %d bytes exceeds the limit of %d", size, MaxStringRep)
		}
		e.checkAlloc(L, "string.rep", size)
		L.Push(lua.LString(strings.Repeat(s, n)))
		return 1
	})
	mapBytes := func(name string, f func(byte) byte) lua.LGFunction {
		return func(L *lua.LState) int {
			s := L.CheckString(1)
			e.checkAlloc(L, "string."+name, int64(len(s)))
			out := make([]byte, len(s))
			for i := 0; i < len(s); i++ {
				out[i] = f(s[i])
			}
			L.Push(lua.LString(out))
			return 1
		}
	}
	// Byte by byte, as Lua's C locale does: Go's strings.ToUpper would
	// turn each invalid UTF-8 byte into three.
	set("upper", mapBytes("upper", func(c byte) byte {
		if islower(c) {
			return c - 32
		}
		return c
	}))
	set("lower", mapBytes("lower", func(c byte) byte {
		if isupper(c) {
			return c + 32
		}
		return c
	}))
	set("reverse", func(L *lua.LState) int {
		s := L.CheckString(1)
		e.checkAlloc(L, "string.reverse", int64(len(s)))
		out := make([]byte, len(s))
		for i := 0; i < len(s); i++ {
			out[len(s)-1-i] = s[i]
		}
		L.Push(lua.LString(out))
		return 1
	})
	set("format", e.strFormat)

	tbl := L.GetGlobal("table").(*lua.LTable)
	tbl.RawSetString("concat", L.NewFunction(e.tableConcat))

	unpack := L.GetGlobal("unpack").(*lua.LFunction)
	L.SetGlobal("unpack", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		i, j := L.OptInt(2, 1), L.OptInt(3, t.Len())
		if n := int64(j) - int64(i) + 1; n > int64(e.opts.RegistryMaxSize) {
			raise(L, "unpack: %d values exceed the stack limit of %d", n, e.opts.RegistryMaxSize)
		}
		top := L.GetTop()
		L.Push(unpack)
		for k := 1; k <= top; k++ {
			L.Push(L.Get(k))
		}
		L.Call(top, lua.MultRet)
		return L.GetTop() - top
	}))
}

// strGsub implements string.gsub in one pass, building the result as it
// goes (gopher-lua's finds every match first, then copies the string once
// per match).
func (e *Engine) strGsub(L *lua.LState) int {
	src, pat := L.CheckString(1), L.CheckString(2)
	repl := L.Get(3)
	switch repl.(type) {
	case lua.LString, lua.LNumber, *lua.LTable, *lua.LFunction:
	default:
		L.ArgError(3, "string/function/table expected, got "+repl.Type().String())
	}
	maxN := L.OptInt(4, len(src)+1)
	p, anchor := 0, len(pat) > 0 && pat[0] == '^'
	if anchor {
		p = 1
	}
	ms := newMatchState(L, src, pat)
	out := &builder{e: e, L: L, what: "string.gsub"}
	s, n := 0, 0
	for n < maxN {
		ms.level = 0
		end := ms.match(s, p)
		if end >= 0 {
			n++
			e.gsubValue(ms, out, repl, s, end)
		}
		switch {
		case end > s:
			s = end
		case s < len(src):
			out.addByte(src[s])
			s++
		default:
			anchor = true // end of the subject
		}
		if anchor {
			break
		}
	}
	if s < len(src) {
		out.add(src[s:])
	}
	L.Push(lua.LString(out.String()))
	L.Push(lua.LNumber(n))
	return 2
}

// gsubValue appends the replacement of the match src[s:e].
func (e *Engine) gsubValue(ms *matchState, out *builder, repl lua.LValue, s, end int) {
	L := ms.L
	var v lua.LValue
	switch r := repl.(type) {
	case lua.LString, lua.LNumber:
		news := r.String()
		for i := 0; i < len(news); i++ {
			c := news[i]
			if c != patEsc {
				// The run up to the next escape, at once.
				j := strings.IndexByte(news[i:], patEsc)
				if j < 0 {
					j = len(news) - i
				}
				out.add(news[i : i+j])
				i += j - 1
				continue
			}
			i++
			if i >= len(news) {
				break
			}
			switch c = news[i]; {
			case !isdigit(c):
				out.addByte(c)
			case c == '0':
				out.add(ms.src[s:end])
			default:
				out.add(lua.LVAsString(ms.oneCapture(int(c-'1'), s, end)))
			}
		}
		return
	case *lua.LFunction:
		top := L.GetTop()
		L.Push(r)
		L.Call(ms.pushCaptures(s, end, true), 1)
		v = L.Get(-1)
		L.SetTop(top)
	case *lua.LTable:
		v = L.GetTable(r, ms.oneCapture(0, s, end))
	}
	switch x := v.(type) {
	case *lua.LNilType, lua.LBool:
		if v == lua.LFalse || v == lua.LNil {
			out.add(ms.src[s:end])
			return
		}
	case lua.LString:
		out.add(string(x))
		return
	case lua.LNumber:
		out.add(x.String())
		return
	}
	raise(L, "string.gsub: invalid replacement value (a %s)", v.Type().String())
}

// tableConcat implements table.concat: it measures the result before
// building it.
func (e *Engine) tableConcat(L *lua.LState) int {
	t := L.CheckTable(1)
	sep := L.OptString(2, "")
	i, j := L.OptInt(3, 1), L.OptInt(4, t.Len())
	if i > j {
		L.Push(lua.LString(""))
		return 1
	}
	item := func(k int) string {
		switch v := t.RawGetInt(k).(type) {
		case lua.LString:
			return string(v)
		case lua.LNumber:
			return v.String()
		default:
			raise(L, "table.concat: invalid value (at index %d) in table for 'concat'", k)
			return ""
		}
	}
	total := int64(len(sep)) * (int64(j) - int64(i))
	for k := i; k <= j; k++ {
		total += int64(len(item(k)))
	}
	e.checkAlloc(L, "table.concat", total)
	var b strings.Builder
	b.Grow(int(total))
	for k := i; k <= j; k++ {
		if k > i {
			b.WriteString(sep)
		}
		b.WriteString(item(k))
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// formatMaxWidth is the largest width or precision of a string.format
// directive, as in Lua 5.1 (two digits).
const formatMaxWidth = 99

// strFormat implements string.format: directives are checked as Lua 5.1
// does (two-digit widths), Ints print exactly with %d, %x, %X, %o and %s,
// and the result's size is bounded before it is built.
func (e *Engine) strFormat(L *lua.LState) int {
	f := L.CheckString(1)
	var args []any
	gofmt := []byte(f) // Go has no %i: it becomes %d
	size := int64(len(f))
	arg := 2
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			continue
		}
		start := i
		for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
			i++
		}
		digits := func() {
			n := 0
			for i < len(f) && isdigit(f[i]) {
				i++
				n++
			}
			if n > 2 {
				raise(L, "string.format: invalid format (width or precision too long)")
			}
		}
		digits()
		if i < len(f) && f[i] == '.' {
			i++
			digits()
		}
		if i >= len(f) {
			raise(L, "string.format: invalid format string (ends inside a directive)")
		}
		verb := f[i]
		if strings.IndexByte("cdiouxXeEfgGqs", verb) < 0 {
			raise(L, "string.format: invalid option '%%%s'", f[start:i+1])
		}
		if verb == 'i' || verb == 'u' {
			gofmt[i] = 'd'
		}
		if arg > L.GetTop() {
			raise(L, "bad argument #%d to 'format' (no value)", arg)
		}
		v := L.Get(arg)
		arg++
		var a any = v
		if b, ok := v.(*lua.LUserData); ok && isIntUD(b) {
			n := b.Value.(*big.Int)
			switch verb {
			case 'd', 'i', 'x', 'X', 'o':
				a = n
			case 'e', 'E', 'f', 'g', 'G':
				a = intToFloat(n) // the script asked for a float
			case 's', 'q':
				a = lua.LString(n.String())
			}
		} else if verb == 's' {
			a = L.ToStringMeta(v)
		}
		size += formatMaxWidth*2 + 32
		if s, ok := a.(lua.LString); ok {
			size += int64(len(s)) * 2 // %q may escape every byte
		} else if n, ok := a.(*big.Int); ok {
			size += int64(n.BitLen()/3 + 1)
		}
		args = append(args, a)
	}
	e.checkAlloc(L, "string.format", size)
	L.Push(lua.LString(fmt.Sprintf(string(gofmt), args...)))
	return 1
}
