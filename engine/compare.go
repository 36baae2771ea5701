package engine

import (
	"math"
	"math/big"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
)

// Lua 5.1 compares values of different types without asking their
// metamethods: a number == an Int is false whatever their values, and
// number < Int is an error. Chain integers of 64 bits and more are Ints,
// so `balance.rao == 0` would be silently false. The engine compiles each
// comparison that can meet an Int as a call of one function (cmpName, a
// local of the chunk, like the checked concatenation) that compares a
// number and an Int exactly and everything else as the VM does.
// Comparisons with a literal nil, boolean or string cannot meet an Int and
// stay VM instructions.

// cmpName is the local that holds the checked comparison in every chunk
// the engine compiles.
const cmpName = "__btscript_cmp"

// The comparison operators, as the third argument of cmpName.
const (
	cmpEq = iota
	cmpNe
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

var cmpOps = map[string]int{"==": cmpEq, "~=": cmpNe, "<": cmpLt, "<=": cmpLe, ">": cmpGt, ">=": cmpGe}

// literalNonNumber reports whether x is a literal that can never be a
// number or an Int.
func literalNonNumber(x ast.Expr) bool {
	switch x.(type) {
	case *ast.NilExpr, *ast.TrueExpr, *ast.FalseExpr, *ast.StringExpr:
		return true
	}
	return false
}

// cmpCall turns a comparison into cmpName(lhs, rhs, op), or returns nil to
// leave it to the VM. The operands keep their order of evaluation.
func cmpCall(r *ast.RelationalOpExpr) ast.Expr {
	op, ok := cmpOps[r.Operator]
	if !ok || literalNonNumber(r.Lhs) || literalNonNumber(r.Rhs) {
		return nil
	}
	call := &ast.FuncCallExpr{
		Func:      &ast.IdentExpr{Value: cmpName},
		Args:      []ast.Expr{r.Lhs, r.Rhs, &ast.NumberExpr{Value: string(rune('0' + op))}},
		AdjustRet: true,
	}
	call.SetLine(r.Line())
	call.SetLastLine(r.LastLine())
	return call
}

// compare is the checked comparison: compare(a, b, op).
func compare(L *lua.LState) int {
	a, b := L.Get(1), L.Get(2)
	var r bool
	switch int(L.CheckNumber(3)) {
	case cmpEq:
		r = equal(L, a, b)
	case cmpNe:
		r = !equal(L, a, b)
	case cmpLt:
		r = less(L, a, b, false)
	case cmpLe:
		r = less(L, a, b, true)
	case cmpGt:
		r = less(L, b, a, false)
	case cmpGe:
		r = less(L, b, a, true)
	}
	L.Push(lua.LBool(r))
	return 1
}

// numberAndInt compares a number with an Int exactly: -1, 0 or 1, and ok.
// A NaN compares with nothing (ok is true, unordered is true).
func numberAndInt(a, b lua.LValue) (c int, unordered, ok bool) {
	n, aNum := a.(lua.LNumber)
	ud, bUD := b.(*lua.LUserData)
	swap := false
	if !aNum || !bUD || !isIntUD(ud) {
		n, aNum = b.(lua.LNumber)
		ud, bUD = a.(*lua.LUserData)
		if !aNum || !bUD || !isIntUD(ud) {
			return 0, false, false
		}
		swap = true
	}
	f := float64(n)
	if math.IsNaN(f) {
		return 0, true, true
	}
	c = big.NewFloat(f).Cmp(new(big.Float).SetInt(ud.Value.(*big.Int)))
	if swap {
		c = -c
	}
	return c, false, true
}

func equal(L *lua.LState, a, b lua.LValue) bool {
	if x, ok := a.(lua.LNumber); ok {
		if y, ok := b.(lua.LNumber); ok {
			return x == y
		}
	}
	if c, unordered, ok := numberAndInt(a, b); ok {
		return !unordered && c == 0
	}
	return L.Equal(a, b)
}

// less is a < b, or a <= b when orEqual, with Lua 5.1's rules and errors
// for everything but a number meeting an Int.
func less(L *lua.LState, a, b lua.LValue, orEqual bool) bool {
	if x, ok := a.(lua.LNumber); ok {
		if y, ok := b.(lua.LNumber); ok {
			return x < y || orEqual && x == y
		}
	}
	if x, ok := a.(lua.LString); ok {
		if y, ok := b.(lua.LString); ok {
			return x < y || orEqual && x == y
		}
	}
	if c, unordered, ok := numberAndInt(a, b); ok {
		return !unordered && (c < 0 || orEqual && c == 0)
	}
	if a.Type() != b.Type() {
		L.RaiseError("attempt to compare %v with %v", a.Type().String(), b.Type().String())
	}
	if !orEqual {
		return L.LessThan(a, b)
	}
	if r, ok := metaCompare(L, a, b, "__le"); ok {
		return r
	}
	if r, ok := metaCompare(L, b, a, "__lt"); ok {
		return !r
	}
	L.RaiseError("attempt to compare %v with %v", a.Type().String(), b.Type().String())
	return false
}

// metaCompare calls the comparison metamethod event of a and b when both
// have the same one, as the VM does.
func metaCompare(L *lua.LState, a, b lua.LValue, event string) (r, ok bool) {
	m1, m2 := L.GetMetaField(a, event), L.GetMetaField(b, event)
	if m1.Type() != lua.LTFunction || m1 != m2 {
		return false, false
	}
	L.Push(m1)
	L.Push(a)
	L.Push(b)
	L.Call(2, 1)
	r = lua.LVAsBool(L.Get(-1))
	L.Pop(1)
	return r, true
}
