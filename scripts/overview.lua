-- overview.lua: the head block and every subnet with its tempo, neuron
-- count and registration burn, all read at one block (one gather pins
-- every read below it, nested gathers included).
--
--   btscript run scripts/overview.lua
--   btscript run --json scripts/overview.lua
--   btscript run --block 4000000 --network archive scripts/overview.lua

local S = "SubtensorModule"

local function subnet(netuid)
  local tempo, neurons, burn = gather(
    function() return chain.query(S, "Tempo", netuid) end,
    function() return chain.query(S, "SubnetworkN", netuid) end,
    function() return chain.query(S, "Burn", netuid) end)
  return { netuid = netuid, tempo = tempo, neurons = neurons, burn = bt.balance(burn) }
end

local view = gather {
  number = function() return chain.block_number() end,
  hash = function() return chain.head() end,
  subnets = function()
    local netuids = {}
    for keys, added in chain.query_map(S, "NetworksAdded") do
      if added then netuids[#netuids + 1] = keys[1] end
    end
    table.sort(netuids)
    local branches = {}
    for i, netuid in ipairs(netuids) do
      branches[i] = function() return subnet(netuid) end
    end
    if #branches == 0 then return {} end
    return { gather(unpack(branches)) }
  end,
}

if btscript and btscript.json then
  return { block = view.number, hash = view.hash, subnets = view.subnets }
end

print(("block %s  %s"):format(tostring(view.number), view.hash))
print(("%d subnets"):format(#view.subnets))
print(("%6s  %6s  %7s  %s"):format("netuid", "tempo", "neurons", "burn"))
for _, s in ipairs(view.subnets) do
  print(("%6s  %6s  %7s  %s"):format(tostring(s.netuid), tostring(s.tempo), tostring(s.neurons), tostring(s.burn)))
end
