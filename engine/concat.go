package engine

import (
	"fmt"
	"reflect"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

// gopher-lua's VM concatenates strings in one instruction, with no hook
// before it allocates: s = s .. s doubles a string until the runtime
// dies. The engine compiles each `a .. b .. c` of a script as a call of
// one checked function instead (concatName, a local of the chunk), which
// measures the result against the run's memory first. Chains are kept
// whole, as the VM keeps them, so a .. b .. c still builds one string.

// concatName is the local that holds the checked concatenation in every
// chunk the engine compiles.
const concatName = "__btscript_concat"

var exprType = reflect.TypeFor[ast.Expr]()

// maxSyntaxDepth bounds the nesting of a chunk's syntax tree, in nodes.
// Walking the tree and compiling it recurse once per level, so a chunk of
// a million nested table constructors would exhaust the Go stack. A long
// sum or elseif chain nests one level per term: the bound leaves room for
// those (Lua 5.1 reads them without nesting).
const maxSyntaxDepth = 200000

// maxFunctionDepth bounds the nesting of function definitions, as Lua 5.1
// does (200 levels): gopher-lua's compiler takes memory per enclosing
// function, hundreds of megabytes for fifty thousand levels.
const maxFunctionDepth = 200

var (
	errSyntaxDepth   = fmt.Errorf("chunk has too many syntax levels (more than %d)", maxSyntaxDepth)
	errFunctionDepth = fmt.Errorf("functions nested more than %d deep", maxFunctionDepth)
	funcExprType     = reflect.TypeFor[*ast.FunctionExpr]()
)

// compileChecked parses code and compiles it with checked concatenation
// and comparison (see compare.go).
func compileChecked(code, name string) (*lua.FunctionProto, error) {
	chunk, err := parse.Parse(strings.NewReader(code), name)
	if err != nil {
		return nil, err
	}
	if err := rewriteConcat(reflect.ValueOf(chunk), 0, 0); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	decl := &ast.LocalAssignStmt{
		Names: []string{concatName, cmpName},
		Exprs: []ast.Expr{&ast.IdentExpr{Value: concatName}, &ast.IdentExpr{Value: cmpName}},
	}
	chunk = append([]ast.Stmt{decl}, chunk...)
	return lua.Compile(chunk, name)
}

// rewriteConcat replaces, in the syntax tree at v, every concatenation by
// a call of concatName and every comparison that can meet an Int by a
// call of cmpName. It stops with an error, leaving the rest, when the
// tree is nested deeper than maxSyntaxDepth nodes or maxFunctionDepth
// functions.
func rewriteConcat(v reflect.Value, depth, funcs int) error {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		if depth >= maxSyntaxDepth {
			return errSyntaxDepth
		}
		if v.Type() == funcExprType {
			if funcs++; funcs > maxFunctionDepth {
				return errFunctionDepth
			}
		}
		return rewriteConcat(v.Elem(), depth+1, funcs)
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		if v.Type() == exprType && v.CanSet() {
			switch x := v.Interface().(type) {
			case *ast.StringConcatOpExpr:
				v.Set(reflect.ValueOf(concatCall(x)))
			case *ast.RelationalOpExpr:
				if call := cmpCall(x); call != nil {
					v.Set(reflect.ValueOf(call))
				}
			}
		}
		return rewriteConcat(v.Elem(), depth, funcs)
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				if err := rewriteConcat(f, depth, funcs); err != nil {
					return err
				}
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			if err := rewriteConcat(v.Index(i), depth, funcs); err != nil {
				return err
			}
		}
	}
	return nil
}

// concatCall turns a .. (b .. c) into concatName(a, b, c); the operands
// are rewritten in turn by the caller's walk.
func concatCall(c *ast.StringConcatOpExpr) *ast.FuncCallExpr {
	var args []ast.Expr
	line, last := c.Line(), c.LastLine()
	for {
		args = append(args, c.Lhs)
		next, ok := c.Rhs.(*ast.StringConcatOpExpr)
		if !ok {
			args = append(args, c.Rhs)
			break
		}
		c = next
	}
	call := &ast.FuncCallExpr{Func: &ast.IdentExpr{Value: concatName}, Args: args, AdjustRet: true}
	call.SetLine(line)
	call.SetLastLine(last)
	return call
}

// concat is the checked concatenation of its arguments, right to left as
// the VM does: strings and numbers are joined, anything else goes through
// a __concat metamethod.
func (e *Engine) concat(L *lua.LState) int {
	n := L.GetTop()
	total, plain := int64(0), true
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			total += int64(len(v))
		case lua.LNumber:
			total += 24
		default:
			plain = false
		}
	}
	if plain {
		e.checkAlloc(L, "..", total)
		var b strings.Builder
		b.Grow(int(total))
		for i := 1; i <= n; i++ {
			b.WriteString(lua.LVAsString(L.Get(i)))
		}
		L.Push(lua.LString(b.String()))
		return 1
	}
	rhs := L.Get(n)
	for i := n - 1; i >= 1; i-- {
		lhs := L.Get(i)
		if isPlain(lhs) && isPlain(rhs) {
			a, b := lua.LVAsString(lhs), lua.LVAsString(rhs)
			e.checkAlloc(L, "..", int64(len(a))+int64(len(b)))
			rhs = lua.LString(a + b)
			continue
		}
		mm := metaField(L, lhs, "__concat")
		if mm == lua.LNil {
			mm = metaField(L, rhs, "__concat")
		}
		if mm == lua.LNil {
			bad := lhs
			if isPlain(lhs) {
				bad = rhs
			}
			raise(L, "attempt to concatenate a %s value", bad.Type().String())
		}
		L.Push(mm)
		L.Push(lhs)
		L.Push(rhs)
		L.Call(2, 1)
		rhs = L.Get(-1)
		L.Pop(1)
	}
	L.Push(rhs)
	return 1
}

func isPlain(v lua.LValue) bool {
	switch v.(type) {
	case lua.LString, lua.LNumber:
		return true
	}
	return false
}

func metaField(L *lua.LState, v lua.LValue, name string) lua.LValue {
	if mt, ok := L.GetMetatable(v).(*lua.LTable); ok {
		return mt.RawGetString(name)
	}
	return lua.LNil
}
