-- Second Ear: render the selected track and ask Second Ear to analyze it (REAPER ReaScript, Lua).
--
-- What it does, with REAPER's documented ReaScript API:
--   1. reaper.GetSelectedTrack(0, 0): the first selected track, and its name (GetTrackName).
--   2. reaper.GetSetProjectInfo(0, "RENDER_SETTINGS", 2, true): render stems (selected tracks);
--      "RENDER_BOUNDSFLAG" 2 (time selection) when there is one, else 1 (entire project);
--      GetSetProjectInfo_String "RENDER_FILE" (folder) and "RENDER_PATTERN" (file name).
--   3. reaper.Main_OnCommand(41824, 0): "File: Render project, using the most recent render
--      settings" (renders in the project's render format; choose WAV in the render dialog once).
--   4. GetSetProjectInfo_String "RENDER_TARGETS": the file(s) written; the first is analyzed.
--   5. Sends /secondear/analyze <track> <path> to Second Ear (udp 127.0.0.1:9000 by default).
--      ReaScript has no OSC sender of its own (reaper.OscLocalMessageToHost only talks to
--      REAPER's own control surfaces), so the script runs `oscsend` from liblo-tools
--      (Debian: apt-get install liblo-tools; macOS: brew install liblo) through os.execute.
--      That is a REQUIREMENT of this script.
-- The user's render settings are restored afterwards. Checked against the documented API only
-- (tests/daw/test_daw_scripts.py), not inside REAPER.

local HOST, PORT = "127.0.0.1", "9000"
local OSCSEND = "oscsend"

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local track = reaper.GetSelectedTrack(0, 0)
if not track then
  reaper.ShowMessageBox("Select a track first.", "Second Ear", 0)
  return
end
local _, name = reaper.GetTrackName(track)

-- remember the user's render settings
local old_settings = reaper.GetSetProjectInfo(0, "RENDER_SETTINGS", 0, false)
local old_bounds = reaper.GetSetProjectInfo(0, "RENDER_BOUNDSFLAG", 0, false)
local _, old_file = reaper.GetSetProjectInfo_String(0, "RENDER_FILE", "", false)
local _, old_pattern = reaper.GetSetProjectInfo_String(0, "RENDER_PATTERN", "", false)

local ts_start, ts_end = reaper.GetSet_LoopTimeRange(false, false, 0, 0, false)
local folder = reaper.GetProjectPath("") .. "/secondear"
reaper.RecursiveCreateDirectory(folder, 0)
local pattern = "secondear-" .. name:gsub("[^%w%-_]", "_") .. "-" .. os.date("%Y%m%d-%H%M%S")

reaper.GetSetProjectInfo(0, "RENDER_SETTINGS", 2, true)
reaper.GetSetProjectInfo(0, "RENDER_BOUNDSFLAG", (ts_end > ts_start) and 2 or 1, true)
reaper.GetSetProjectInfo_String(0, "RENDER_FILE", folder, true)
reaper.GetSetProjectInfo_String(0, "RENDER_PATTERN", pattern, true)
reaper.Main_OnCommand(41824, 0) -- File: Render project, using the most recent render settings
local _, targets = reaper.GetSetProjectInfo_String(0, "RENDER_TARGETS", "", false)

reaper.GetSetProjectInfo(0, "RENDER_SETTINGS", old_settings, true)
reaper.GetSetProjectInfo(0, "RENDER_BOUNDSFLAG", old_bounds, true)
reaper.GetSetProjectInfo_String(0, "RENDER_FILE", old_file, true)
reaper.GetSetProjectInfo_String(0, "RENDER_PATTERN", old_pattern, true)

local path = (targets or ""):match("^([^;]+)")
if not path or path == "" then
  reaper.ShowMessageBox("The render wrote no file.", "Second Ear", 0)
  return
end

-- /secondear/analyze <track> <path>: type tags "ss"
local cmd = table.concat({OSCSEND, HOST, PORT, "/secondear/analyze", "ss", shell_quote(name), shell_quote(path)}, " ")
local ok = os.execute(cmd)
if not ok then
  reaper.ShowMessageBox("Could not run oscsend (install liblo-tools): " .. cmd, "Second Ear", 0)
  return
end
reaper.ShowConsoleMsg("Second Ear: rendered " .. path .. " and asked " .. HOST .. ":" .. PORT .. " to analyze it\n")
