-- delegates.lua: the delegates (hotkeys that accept stake from others),
-- with owner, take and the subnets they are registered on. Uses the
-- runtime API where the runtime describes its answer, and storage
-- (SubtensorModule.Delegates, Owner, IsNetworkMember) where it does not.
--
--   btscript run scripts/delegates.lua
--   btscript run --json scripts/delegates.lua

local S = "SubtensorModule"

local function from_api(list)
  local out = {}
  for i, d in ipairs(list) do
    out[i] = {
      hotkey = d.delegate_ss58 or d.hotkey,
      owner = d.owner_ss58 or d.owner,
      take = d.take and tonumber(d.take) > 1 and tonumber(d.take) / 65535 or d.take,
      netuids = d.registrations or {},
    }
  end
  return out
end

local function from_storage()
  local takes = {}
  for keys, take in chain.query_map(S, "Delegates") do
    takes[#takes + 1] = { hotkey = keys[1], take = take }
  end
  table.sort(takes, function(a, b) return a.hotkey < b.hotkey end)
  local branches = {}
  for i, d in ipairs(takes) do
    branches[i] = function()
      local owner, netuids = gather(
        function() return chain.query(S, "Owner", d.hotkey) end,
        function() return bt.get_netuids_for_hotkey(d.hotkey) end)
      -- take is a u16 proportion of 65535
      return { hotkey = d.hotkey, owner = owner, take = d.take / 65535, netuids = netuids }
    end
  end
  if #branches == 0 then return {} end
  return { gather(unpack(branches)) }
end

local result = gather {
  block = function() return chain.block_number() end,
  delegates = function()
    local ok, list = pcall(bt.get_delegates)
    if ok and type(list) == "table" then return { source = "runtime API", list = from_api(list) } end
    return { source = "storage", list = from_storage() }
  end,
}

local delegates = result.delegates.list
if btscript and btscript.json then
  return { block = result.block, source = result.delegates.source, delegates = delegates }
end

print(("%d delegates at block %s (from %s)"):format(#delegates, tostring(result.block), result.delegates.source))
for _, d in ipairs(delegates) do
  local nets = {}
  for i, n in ipairs(d.netuids or {}) do nets[i] = tostring(n) end
  print(("%s  owner %s  take %.2f%%  subnets [%s]"):format(
    d.hotkey, tostring(d.owner), tonumber(d.take) * 100, table.concat(nets, ",")))
end
