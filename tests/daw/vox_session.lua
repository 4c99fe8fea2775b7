-- Headless Ardour 7 session for tests/bridge/test_daw_ardour.py (recipe: shared/reference/ardour-headless.md).
-- Arguments: SESSION_DIR SESSION_NAME PLUGIN_NAME READY_PORT STOP_FILE
local dir, name, plugin_name, ready_port, stop_file = arg[1], arg[2], arg[3], arg[4], arg[5]
AudioEngine:set_backend("None (Dummy)", "", "")
local s = load_session(dir, name)
assert(s, "cannot load the session " .. tostring(dir))
local tl = s:new_audio_track(2, 2, nil, 1, "Vox", ARDOUR.PresentationInfo.max_order,
                             ARDOUR.TrackMode.Normal, true)
local route = tl:front()
local status = "ready"
local plugin = ARDOUR.LuaAPI.new_plugin(s, plugin_name, ARDOUR.PluginType.VST3, "")
if plugin:isnil() then
  status = "no-plugin"
else
  route:add_processor_by_index(plugin, 0, nil, true)
end
s:save_state("", false, false, false, false, false)
ARDOUR.LuaOSC.Address("osc.udp://127.0.0.1:" .. ready_port .. "/"):send("/test/ready", "ss", status, name)
local function exists(p)
  local f = io.open(p, "r")
  if f then f:close() return true end
  return false
end
-- bounded: at most about 10 minutes alive
for _ = 1, 6000 do
  if exists(stop_file) then break end
  ARDOUR.LuaAPI.usleep(100000)
end
close_session()
