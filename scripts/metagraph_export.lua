-- metagraph_export.lua: exports a subnet's neurons to CSV and JSON files
-- (metagraph-NETUID.csv and metagraph-NETUID.json in OUTDIR, default the
-- working directory). Writing files needs --allow-io; without it the
-- neurons are printed (or returned with --json) and no file is written.
--
-- Uses the typed metagraph runtime API where the runtime has one
-- (bt.metagraph), and otherwise builds what storage holds: hotkeys
-- (Keys), owners (Owner), stake on the subnet (TotalHotkeyAlpha) and the
-- per-subnet vectors Rank, Trust, Consensus, Incentive, Dividends,
-- Emission, LastUpdate, Active and ValidatorPermit.
--
--   btscript run --allow-io scripts/metagraph_export.lua 1 /tmp/out
--   btscript run --json scripts/metagraph_export.lua 1

local netuid = tonumber((...))
local outdir = select(2, ...) or "."
if not netuid then
  error("usage: btscript run [--allow-io] scripts/metagraph_export.lua NETUID [OUTDIR]", 0)
end

local S = "SubtensorModule"
local columns = { "uid", "hotkey", "coldkey", "stake", "rank", "trust", "consensus",
  "incentive", "dividends", "emission", "last_update", "active", "validator_permit" }

-- from_api turns the typed metagraph (arrays indexed by uid) into rows.
local function from_api(m)
  local rows = {}
  for i, hotkey in ipairs(m.hotkeys or {}) do
    local function at(t) return t and t[i] end
    -- Stakes are alpha amounts of the subnet; the file holds their rao.
    local stake = at(m.total_stake) or at(m.alpha_stake)
    rows[i] = {
      uid = i - 1, hotkey = hotkey, coldkey = at(m.coldkeys),
      stake = stake and stake.rao,
      rank = at(m.rank), trust = at(m.trust), consensus = at(m.consensus),
      incentive = at(m.incentives), dividends = at(m.dividends), emission = at(m.emission),
      last_update = at(m.last_update), active = at(m.active), validator_permit = at(m.validator_permit),
    }
  end
  return rows
end

-- from_storage reads the same from storage maps, at one block.
local function from_storage()
  local vectors = { rank = "Rank", trust = "Trust", consensus = "Consensus", incentive = "Incentive",
    dividends = "Dividends", emission = "Emission", last_update = "LastUpdate", active = "Active",
    validator_permit = "ValidatorPermit" }
  local branches = {
    exists = function() return chain.query(S, "NetworksAdded", netuid) end,
    n = function() return chain.query(S, "SubnetworkN", netuid) end,
    keys = function()
      local hotkeys = {}
      for keys, hotkey in chain.query_map(S, "Keys", netuid) do
        hotkeys[keys[2]] = hotkey -- keys = {netuid, uid}
      end
      return hotkeys
    end,
  }
  for name, item in pairs(vectors) do
    branches[name] = function() return chain.query(S, item, netuid) end
  end
  local got = gather(branches)
  if not got.exists then
    error(("subnet %d does not exist"):format(netuid), 0)
  end
  local rows, per = {}, {}
  for uid = 0, got.n - 1 do
    local hotkey = got.keys[uid]
    local row = { uid = uid, hotkey = hotkey }
    for name in pairs(vectors) do
      row[name] = got[name] and got[name][uid + 1]
    end
    rows[#rows + 1] = row
    if hotkey then
      per[#per + 1] = function()
        local owner, stake = gather(
          function() return chain.query(S, "Owner", hotkey) end,
          function() return chain.query(S, "TotalHotkeyAlpha", hotkey, netuid) end)
        row.coldkey, row.stake = owner, stake
      end
    end
  end
  if #per > 0 then gather(unpack(per)) end
  return rows
end

local result = gather {
  block = function() return chain.block_number() end,
  neurons = function()
    local ok, m = pcall(bt.metagraph, netuid)
    if ok and type(m) == "table" and m.hotkeys then
      return { source = "runtime API", rows = from_api(m) }
    end
    return { source = "storage", rows = from_storage() }
  end,
}
local rows, source = result.neurons.rows, result.neurons.source

local function cell(v)
  if v == nil then return "" end
  local s = tostring(v)
  if s:find('[,"\n]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

local function csv()
  local lines = { table.concat(columns, ",") }
  for _, row in ipairs(rows) do
    local cells = {}
    for i, c in ipairs(columns) do cells[i] = cell(row[c]) end
    lines[#lines + 1] = table.concat(cells, ",")
  end
  return table.concat(lines, "\n") .. "\n"
end

local doc = { netuid = netuid, block = result.block, source = source, neurons = rows }
local written = {}
if io then
  local base = ("%s/metagraph-%d"):format(outdir, netuid)
  for ext, text in pairs({ csv = csv(), json = json.encode(doc) .. "\n" }) do
    local path = base .. "." .. ext
    local f, err = io.open(path, "w")
    if not f then error("cannot write " .. tostring(err), 0) end
    f:write(text)
    f:close()
    written[#written + 1] = path
  end
  table.sort(written)
end

if btscript and btscript.json then
  if #written > 0 then doc.files = written end
  return doc
end

print(("subnet %d at block %s: %d neurons (from %s)"):format(netuid, tostring(result.block), #rows, source))
if #written > 0 then
  print("wrote " .. table.concat(written, " and "))
else
  print(("no files written: run with --allow-io to write metagraph-%d.csv and .json"):format(netuid))
end
print(csv())
