package engine

import (
	"context"
	"testing"
)

// stringHeavy is a script of the string work a report does: concatenation,
// patterns, formatting, case, gsub and table.concat. Run before and after
// the memory and cancellation checks, it measures what they cost.
const stringHeavy = `
local parts = {}
for i = 1, 2000 do
	local s = "key" .. i .. "=" .. (i * 3)
	local k, v = s:match("(%w+)=(%d+)")
	if s:find("=", 1, true) then
		parts[#parts + 1] = string.format("%s:%s", k:upper(), v)
	end
end
local joined = table.concat(parts, ",")
local n = select(2, joined:gsub("KEY", "k"))
local words = 0
for w in joined:gmatch("[^,]+") do words = words + 1 end
return #joined, n, words`

// stringOps is stringHeavy without its gsub, whose cost would hide the
// rest (gopher-lua's own gsub copied the string once per match).
const stringOps = `
local parts = {}
for i = 1, 2000 do
	local s = "key" .. i .. "=" .. (i * 3)
	local k, v = s:match("(%w+)=(%d+)")
	if s:find("=", 1, true) then
		parts[#parts + 1] = string.format("%s:%s", k:upper(), v)
	end
end
local joined = table.concat(parts, ",")
local words = 0
for w in joined:gmatch("[^,]+") do words = words + 1 end
return #joined, 2000, words`

// BenchmarkStringHeavy runs stringHeavy once per iteration.
func BenchmarkStringHeavy(b *testing.B) { benchScript(b, stringHeavy) }

// BenchmarkStringOps runs stringOps once per iteration.
func BenchmarkStringOps(b *testing.B) { benchScript(b, stringOps) }

func benchScript(b *testing.B, script string) {
	e := New(Options{})
	defer e.Close()
	ctx := context.Background()
	res, err := e.Eval(ctx, script)
	if err != nil {
		b.Fatal(err)
	}
	if got := res.Go(); len(got) != 3 || got[1] != got[2] {
		b.Fatalf("got %v", got)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Eval(ctx, script); err != nil {
			b.Fatal(err)
		}
	}
}

// concatLoop is nothing but short concatenations: the worst case for
// compiling .. as a call of the checked concatenation.
const concatLoop = `
local n = 0
for i = 1, 100000 do
	local s = "k" .. i .. ":" .. "v"
	n = n + #s
end
return n, 0, 0`

// BenchmarkConcat runs concatLoop once per iteration.
func BenchmarkConcat(b *testing.B) { benchScript(b, concatLoop) }
