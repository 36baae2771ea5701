-- hyperparameters.lua: a subnet's hyperparameters. Uses the runtime API
-- (SubnetInfoRuntimeApi) where the runtime describes its answer, and reads
-- the storage items one by one, at one block, where it does not (older
-- runtimes such as spec 218 declare the API as returning bare bytes).
--
--   btscript run scripts/hyperparameters.lua 1
--   btscript run --json scripts/hyperparameters.lua 1

local netuid = tonumber((...))
if not netuid then
  error("usage: btscript run scripts/hyperparameters.lua NETUID", 0)
end

local S = "SubtensorModule"

-- hyperparameter name (as the SDK names it) -> storage item keyed by netuid
local items = {
  rho = "Rho",
  kappa = "Kappa",
  immunity_period = "ImmunityPeriod",
  min_allowed_weights = "MinAllowedWeights",
  max_weights_limit = "MaxWeightsLimit",
  tempo = "Tempo",
  min_difficulty = "MinDifficulty",
  max_difficulty = "MaxDifficulty",
  weights_version = "WeightsVersionKey",
  weights_rate_limit = "WeightsSetRateLimit",
  adjustment_interval = "AdjustmentInterval",
  activity_cutoff = "ActivityCutoff",
  registration_allowed = "NetworkRegistrationAllowed",
  target_regs_per_interval = "TargetRegistrationsPerInterval",
  min_burn = "MinBurn",
  max_burn = "MaxBurn",
  bonds_moving_avg = "BondsMovingAverage",
  max_regs_per_block = "MaxRegistrationsPerBlock",
  serving_rate_limit = "ServingRateLimit",
  max_validators = "MaxAllowedValidators",
  adjustment_alpha = "AdjustmentAlpha",
  difficulty = "Difficulty",
  commit_reveal_weights_enabled = "CommitRevealWeightsEnabled",
  commit_reveal_period = "RevealPeriodEpochs",
  liquid_alpha_enabled = "LiquidAlphaOn",
  alpha_values = "AlphaValues",
}

local function from_storage()
  local branches = {}
  for name, item in pairs(items) do
    branches[name] = function() return chain.query(S, item, netuid) end
  end
  branches.exists = function() return chain.query(S, "NetworksAdded", netuid) end
  local got = gather(branches)
  if not got.exists then
    error(("subnet %d does not exist"):format(netuid), 0)
  end
  got.exists = nil
  return got
end

local block = chain.block_number()
local source = "runtime API"
local ok, params = pcall(bt.get_subnet_hyperparameters, netuid)
if not ok or params == nil then
  source = "storage"
  params = from_storage()
end

if btscript and btscript.json then
  return { netuid = netuid, block = block, source = source, hyperparameters = params }
end

print(("subnet %d hyperparameters at block %s (from %s)"):format(netuid, tostring(block), source))
local names = {}
for name in pairs(params) do names[#names + 1] = name end
table.sort(names)
for _, name in ipairs(names) do
  local v = params[name]
  if type(v) == "table" then v = json.encode(v) end
  print(("  %-30s %s"):format(name, tostring(v)))
end
