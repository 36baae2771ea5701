-- subnets.lua: every subnet as the runtime APIs describe it — tempo, burn,
-- neurons and owner from get_all_subnets_info, each subnet's neurons from
-- its metagraph (hotkey, stake, emission), and the delegates — read at one
-- block. On older runtimes (the spec 218 devnet) the runtime APIs answer
-- bare bytes, which btscript decodes with the runtime's own struct layouts.
--
--   btscript run --network devnet scripts/subnets.lua
--   btscript run --json scripts/subnets.lua

local view = gather {
  block = function() return chain.block_number() end,
  subnets = function() return bt.get_all_subnets_info() end,
  delegates = function() return bt.get_delegates() end,
}

-- One gather per subnet: its metagraph and its hyperparameters together.
local branches = {}
for i, s in ipairs(view.subnets) do
  branches[i] = function()
    local m, h = gather(
      function() return bt.metagraph(s.netuid) end,
      function() return bt.get_subnet_hyperparameters(s.netuid) end)
    local neurons = {}
    for uid = 1, m.n do
      neurons[uid] = {
        uid = uid - 1,
        hotkey = m.hotkeys[uid],
        stake = m.total_stake and m.total_stake[uid] or 0, -- alpha of the subnet
        emission = m.emission[uid],
      }
    end
    return {
      netuid = s.netuid,
      tempo = s.tempo,
      burn = bt.balance(s.burn),
      owner = s.owner,
      n = m.n,
      max_n = s.max_allowed_uids,
      immunity_period = h.immunity_period,
      neurons = neurons,
    }
  end
end
local subnets = #branches > 0 and { gather(unpack(branches)) } or {}

if btscript and btscript.json then
  return { block = view.block, subnets = subnets, delegates = #view.delegates }
end

print(("block %s: %d subnets, %d delegates"):format(tostring(view.block), #subnets, #view.delegates))
print(("%6s  %5s  %9s  %20s  %s"):format("netuid", "tempo", "neurons", "burn", "owner"))
for _, s in ipairs(subnets) do
  print(("%6s  %5s  %9s  %20s  %s"):format(tostring(s.netuid), tostring(s.tempo), s.n .. "/" .. s.max_n,
    tostring(s.burn), s.owner))
  for _, nr in ipairs(s.neurons) do
    print(("        uid %-4s %s  stake %s  emission %s"):format(tostring(nr.uid), nr.hotkey, tostring(nr.stake),
      tostring(nr.emission)))
  end
end
