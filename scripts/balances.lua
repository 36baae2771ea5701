-- balances.lua: free balances of the SS58 addresses given as arguments,
-- read in one batched request at one block.
--
--   btscript run scripts/balances.lua 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY [ADDRESS...]
--   btscript run --json scripts/balances.lua ADDRESS...   -- {"block": N, "balances": {"5Grw…": rao}}

local addresses = { ... }
if #addresses == 0 then
  error("usage: btscript run scripts/balances.lua ADDRESS [ADDRESS...]", 0)
end
for i, a in ipairs(addresses) do
  if not ss58.is_valid(a) then
    error(("argument %d: %q is not an SS58 address"):format(i, a), 0)
  end
end

local block, balances = gather(
  function() return chain.block_number() end,
  function() return bt.get_balances(addresses) end)

if btscript and btscript.json then
  return { block = block, balances = balances }
end

print(("balances at block %s"):format(tostring(block)))
local total = bt.balance(0)
for _, a in ipairs(addresses) do
  print(("%-48s  %s"):format(a, tostring(balances[a])))
  total = total + balances[a]
end
if #addresses > 1 then
  print(("%-48s  %s"):format("total", tostring(total)))
end
