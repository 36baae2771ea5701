package bindings

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/btscript/btscript/engine"
	lua "github.com/yuin/gopher-lua"
)

// prettyWidth is the line length under which a table of plain values is
// printed on one line.
const prettyWidth = 72

// prettyMaxDepth bounds how deep Pretty descends before writing "{...}".
const prettyMaxDepth = 32

// Pretty renders a Lua value for people, as a REPL shows results: strings
// quoted, exact integers in full, balances as "τ1.500000000", tables as
// Lua table constructors with sorted keys, indented by two spaces per
// level (on one line when short and flat). It must run on the owner
// goroutine.
func Pretty(L *lua.LState, v lua.LValue) string {
	var b strings.Builder
	p := printer{L: L, seen: map[*lua.LTable]bool{}}
	p.value(&b, v, 0)
	return b.String()
}

type printer struct {
	L    *lua.LState
	seen map[*lua.LTable]bool
}

func (p *printer) value(b *strings.Builder, v lua.LValue, depth int) {
	switch x := v.(type) {
	case lua.LString:
		b.WriteString(strconv.Quote(string(x)))
	case lua.LNumber:
		b.WriteString(numberText(float64(x)))
	case *lua.LUserData:
		if bal, ok := ToBalance(x); ok {
			b.WriteString(bal.String())
		} else if n, ok := engine.ToInt(x); ok {
			b.WriteString(n.String())
		} else {
			b.WriteString(p.L.ToStringMeta(x).String())
		}
	case *lua.LTable:
		p.table(b, x, depth)
	default:
		b.WriteString(p.L.ToStringMeta(v).String())
	}
}

type entry struct {
	key  lua.LValue
	val  lua.LValue
	sort string
}

func (p *printer) table(b *strings.Builder, t *lua.LTable, depth int) {
	if p.seen[t] {
		b.WriteString("<cycle>")
		return
	}
	if depth >= prettyMaxDepth {
		b.WriteString("{...}")
		return
	}
	p.seen[t] = true
	defer delete(p.seen, t)

	n := t.Len()
	var entries []entry
	t.ForEach(func(k, v lua.LValue) {
		if num, ok := k.(lua.LNumber); ok && float64(num) >= 1 && float64(num) <= float64(n) && float64(num) == float64(int(num)) {
			return // the array part, printed in order
		}
		e := entry{key: k, val: v}
		switch kk := k.(type) {
		case lua.LString:
			e.sort = "1" + string(kk)
		case lua.LNumber:
			e.sort = fmt.Sprintf("0%020.6f", float64(kk))
		default:
			e.sort = "2" + k.String()
		}
		entries = append(entries, e)
	})
	sort.Slice(entries, func(i, j int) bool { return entries[i].sort < entries[j].sort })
	if n == 0 && len(entries) == 0 {
		b.WriteString("{}")
		return
	}

	parts := make([]string, 0, n+len(entries))
	flat := true
	for i := 1; i <= n; i++ {
		v := t.RawGetInt(i)
		if _, ok := v.(*lua.LTable); ok {
			flat = false
		}
		var sb strings.Builder
		p.value(&sb, v, depth+1)
		parts = append(parts, sb.String())
	}
	for _, e := range entries {
		if _, ok := e.val.(*lua.LTable); ok {
			flat = false
		}
		var sb strings.Builder
		sb.WriteString(keyText(e.key))
		sb.WriteString(" = ")
		p.value(&sb, e.val, depth+1)
		parts = append(parts, sb.String())
	}
	if flat {
		line := "{ " + strings.Join(parts, ", ") + " }"
		if len(line)+2*depth <= prettyWidth && !strings.Contains(line, "\n") {
			b.WriteString(line)
			return
		}
	}
	ind := strings.Repeat("  ", depth+1)
	b.WriteString("{\n")
	for _, part := range parts {
		b.WriteString(ind)
		b.WriteString(part)
		b.WriteString(",\n")
	}
	b.WriteString(strings.Repeat("  ", depth))
	b.WriteString("}")
}

// keyText writes a table key as Lua would: name, or [expression].
func keyText(k lua.LValue) string {
	if s, ok := k.(lua.LString); ok && isName(string(s)) {
		return string(s)
	}
	if s, ok := k.(lua.LString); ok {
		return "[" + strconv.Quote(string(s)) + "]"
	}
	if n, ok := k.(lua.LNumber); ok {
		return "[" + numberText(float64(n)) + "]"
	}
	return "[" + k.String() + "]"
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	switch s {
	case "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "if", "in",
		"local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while":
		return false
	}
	return true
}
