-- watch_blocks.lua: prints the next N new heads (default 3) as they
-- arrive, then exits. The first is the head at the time of subscribing.
--
--   btscript run scripts/watch_blocks.lua 5
--   btscript run --json scripts/watch_blocks.lua 2

local n = tonumber((...)) or 3
if n < 1 or n ~= math.floor(n) then
  error("usage: btscript run scripts/watch_blocks.lua [COUNT]  (COUNT >= 1)", 0)
end

local quiet = btscript and btscript.json
local seen = {}
for header in chain.heads(n) do
  seen[#seen + 1] = { number = header.number, hash = header.hash, parent_hash = header.parent_hash }
  if not quiet then
    print(("#%s  %s  (parent %s)"):format(tostring(header.number), header.hash, header.parent_hash))
  end
end

if quiet then
  return seen
end
