package main

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/btscript/btscript/scale"
	lua "github.com/yuin/gopher-lua"
)

// metadataWait bounds how long a TAB waits for the live metadata.
const metadataWait = 5 * time.Second

// luaKeywords complete at the start of an expression.
var luaKeywords = []string{
	"and", "break", "do", "else", "elseif", "end", "false", "for", "function",
	"if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true",
	"until", "while",
}

// completer completes REPL input: Lua names from the engine's globals, and
// metadata names (pallets, storage items, constants, runtime APIs and their
// methods) inside the string arguments of chain functions.
type completer struct {
	s *session

	once sync.Once
	done chan struct{}
	md   *scale.Metadata
}

func newCompleter(s *session) *completer {
	return &completer{s: s, done: make(chan struct{})}
}

// metadata returns the live metadata, fetched once, or nil when the chain
// does not answer in time.
func (c *completer) metadata() *scale.Metadata {
	c.once.Do(func() {
		go func() {
			defer close(c.done)
			ctx, cancel := context.WithTimeout(context.Background(), 2*metadataWait)
			defer cancel()
			md, err := c.s.client.Metadata(ctx, c.s.pinHash)
			if err == nil {
				c.md = md
			}
		}()
	})
	select {
	case <-c.done:
		return c.md
	case <-time.After(metadataWait):
		return nil
	}
}

var (
	// stringArg matches a cursor inside a string argument of a module
	// function: module, function, the earlier string arguments, and the
	// prefix typed so far.
	stringArg = regexp.MustCompile(`([A-Za-z_]\w*)\s*[.:]\s*([A-Za-z_]\w*)\s*\(\s*((?:["'][^"']*["']\s*,\s*)*)["']([^"']*)$`)
	// argString extracts the earlier string arguments.
	argString = regexp.MustCompile(`["']([^"']*)["']`)
	// namePath matches a dotted Lua name at the cursor.
	namePath = regexp.MustCompile(`[A-Za-z_][\w]*(?:\s*[.:]\s*[A-Za-z_]?\w*)*$|^$`)
)

// Do implements readline.AutoCompleter: it returns the endings of the
// candidates for the word before the cursor, and that word's length.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	text := string(line[:pos])
	var prefix string
	var cands []string
	if m := stringArg.FindStringSubmatch(text); m != nil {
		var prev []string
		for _, a := range argString.FindAllStringSubmatch(m[3], -1) {
			prev = append(prev, a[1])
		}
		prefix = m[4]
		cands = c.metadataNames(m[1], m[2], prev)
	} else if inString(text) {
		return nil, 0
	} else {
		word := namePath.FindString(text)
		word = strings.Join(strings.Fields(word), "")
		cands, prefix = c.luaNames(word)
	}
	var out [][]rune
	for _, cand := range cands {
		if strings.HasPrefix(cand, prefix) && cand != prefix {
			out = append(out, []rune(cand[len(prefix):]))
		}
	}
	return out, len([]rune(prefix))
}

// inString reports whether the cursor is inside a string literal.
func inString(text string) bool {
	var quote rune
	escaped := false
	for _, r := range text {
		switch {
		case escaped:
			escaped = false
		case quote != 0 && r == '\\':
			escaped = true
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
		}
	}
	return quote != 0
}

// metadataNames lists metadata names for argument len(prev)+1 of
// module.fn: storage functions take a pallet then a storage item,
// constant functions a pallet then a constant, runtime API functions an
// API then a method (or "Api_method" in one string).
func (c *completer) metadataNames(module, fn string, prev []string) []string {
	if module != "chain" {
		return nil
	}
	kind := "storage"
	lfn := strings.ToLower(fn)
	switch {
	case strings.Contains(lfn, "const"):
		kind = "constant"
	case strings.Contains(lfn, "call") || strings.Contains(lfn, "api"):
		kind = "api"
	case strings.Contains(lfn, "event") || strings.Contains(lfn, "block") || strings.Contains(lfn, "head"):
		return nil
	}
	md := c.metadata()
	if md == nil || len(prev) > 1 {
		return nil
	}
	var out []string
	if kind == "api" {
		for _, a := range md.APIs {
			if len(prev) == 0 {
				out = append(out, a.Name)
				for _, m := range a.Methods {
					out = append(out, a.Name+"_"+m.Name)
				}
			} else if a.Name == prev[0] {
				for _, m := range a.Methods {
					out = append(out, m.Name)
				}
			}
		}
		sort.Strings(out)
		return out
	}
	for _, p := range md.Pallets {
		if len(prev) == 0 {
			if kind == "storage" && len(p.Storage) > 0 || kind == "constant" && len(p.Constants) > 0 {
				out = append(out, p.Name)
			}
			continue
		}
		if p.Name != prev[0] {
			continue
		}
		if kind == "storage" {
			for _, e := range p.Storage {
				out = append(out, e.Name)
			}
		} else {
			for _, k := range p.Constants {
				out = append(out, k.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// luaNames lists the candidates for a dotted name: fields of the table the
// path before the last dot names (functions get a "("), or globals and
// keywords for a plain name. It returns the last segment as the prefix.
func (c *completer) luaNames(word string) ([]string, string) {
	sep := strings.LastIndexAny(word, ".:")
	path, prefix := "", word
	if sep >= 0 {
		path, prefix = word[:sep], word[sep+1:]
	}
	var out []string
	err := c.s.engine.Do(func(L *lua.LState) error {
		var t lua.LValue = L.G.Global
		if path != "" {
			for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == ':' }) {
				t = field(L, t, part)
			}
		}
		out = tableKeys(L, t)
		return nil
	})
	if err != nil {
		return nil, prefix
	}
	if path == "" {
		out = append(out, luaKeywords...)
	}
	sort.Strings(out)
	return dedupe(out), prefix
}

// field reads t[name] without calling metamethods other than an __index
// table.
func field(L *lua.LState, t lua.LValue, name string) lua.LValue {
	for i := 0; i < 8; i++ {
		tbl, ok := t.(*lua.LTable)
		if !ok {
			return lua.LNil
		}
		if v := tbl.RawGetString(name); v != lua.LNil {
			return v
		}
		mt, ok := L.GetMetatable(tbl).(*lua.LTable)
		if !ok {
			return lua.LNil
		}
		t = mt.RawGetString("__index")
	}
	return lua.LNil
}

// tableKeys lists the identifier keys of a table and of its __index
// tables; functions get a trailing "(" and tables a trailing ".".
func tableKeys(L *lua.LState, t lua.LValue) []string {
	var out []string
	for i := 0; i < 8; i++ {
		tbl, ok := t.(*lua.LTable)
		if !ok {
			break
		}
		tbl.ForEach(func(k, v lua.LValue) {
			ks, ok := k.(lua.LString)
			if !ok || !isIdent(string(ks)) || strings.HasPrefix(string(ks), "_") && len(ks) > 1 && ks[1] == '_' {
				return
			}
			switch v.(type) {
			case *lua.LFunction:
				out = append(out, string(ks)+"(")
			case *lua.LTable:
				out = append(out, string(ks)+".")
			default:
				out = append(out, string(ks))
			}
		})
		mt, ok := L.GetMetatable(tbl).(*lua.LTable)
		if !ok {
			break
		}
		t = mt.RawGetString("__index")
	}
	return out
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
