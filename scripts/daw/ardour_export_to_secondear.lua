ardour {
	["type"]    = "EditorAction",
	name        = "Second Ear: export and analyze",
	license     = "MIT",
	author      = "Second Ear",
	description = [[Export the selected track over the selected range (else the session range) to a WAV
file and ask Second Ear to analyze it: sends /secondear/analyze <track> <path> over OSC to the bridge
(`secondear daw serve`, udp 127.0.0.1:9000 by default).

How: Ardour's Lua export API, Session:simple_export() (SimpleExport: set_name, set_folder,
set_range, set_preset, run_export; Ardour 7/8), renders the master bus. To get the selected track
alone, the script solos it for the export and restores every solo afterwards (a track routed
away from the master is not heard). The file goes to the session's export folder (format: Ardour's
bundled "WAV" preset). Then ARDOUR.LuaOSC.Address(url):send("/secondear/analyze", "ss", track, path).

Install: Edit > Lua Scripts > Script Manager > Add/Set, or copy to ~/.config/ardour7/scripts/.
Also runs headless (ardour7-lua) for the tests: see tests/daw/test_daw_scripts.py.]]
}

-- Ardour's bundled "WAV" export preset "WAV @ session-rate" (/usr/share/ardour7/export/wav.preset)
local WAV_PRESET = "75969a1c-3133-4694-864b-a1fa50e43348"

function action_params ()
	return {
		["url"] = { title = "Second Ear's OSC address", default = "osc.udp://127.0.0.1:9000/" },
		["role"] = { title = "Role (mix, vocal, drums, bass, … ; empty: mix)", default = "" },
	}
end

function factory (params) return function ()
	local p = params or {}
	local url = p["url"] or "osc.udp://127.0.0.1:9000/"
	local role = p["role"] or ""

	-- the track: the first selected one (GUI), else params.track (a name: headless use)
	local route = nil
	if Editor and not Editor:isnil () then
		for r in Editor:get_selection ().tracks:routelist ():iter () do route = r; break end
	end
	if not route and p["track"] then route = Session:route_by_name (p["track"]) end
	if not route or route:isnil () then
		print ("Second Ear: select a track first")
		return
	end

	-- the range: the time selection (GUI), else params start/end (samples), else the session range
	local s, e = nil, nil
	if Editor and not Editor:isnil () then
		local ts = Editor:get_selection ().time
		if ts and not ts:empty () then
			s, e = ts:start_sample (), ts:end_sample ()
		end
	end
	if not s and p["start"] and p["end"] then s, e = p["start"], p["end"] end
	if not s then s, e = Session:current_start_sample (), Session:current_end_sample () end
	if not s or not e or e <= s then
		print ("Second Ear: no range to export (select one, or add a session range)")
		return
	end

	local name = route:name ()
	local base = "secondear-" .. name:gsub ("[^%w%-_]", "_") .. "-" .. os.date ("%Y%m%d-%H%M%S")
	local folder = p["folder"] or ARDOUR.LuaAPI.build_filename (Session:path (), "export")

	-- solo the track alone for the export; remember every solo to restore it
	local soloed = {}
	for r in Session:get_routes ():iter () do
		soloed[r:name ()] = r:solo_control ():get_value ()
	end
	local others = false
	for r in Session:get_routes ():iter () do
		if not r:is_master () and not r:is_monitor () and r:name () ~= name then others = true end
	end
	local function set_solo (r, v)
		r:solo_control ():set_value (v, PBD.GroupControlDisposition.NoGroup)
	end
	if others then
		for r in Session:get_routes ():iter () do
			if not r:is_master () and not r:is_monitor () then set_solo (r, r:name () == name and 1 or 0) end
		end
	end

	local ex = Session:simple_export ()
	ex:set_name (base)
	ex:set_folder (folder)
	ex:set_range (s, e)
	local ok = ex:set_preset (p["preset"] or WAV_PRESET) and ex:run_export ()

	if others then
		for r in Session:get_routes ():iter () do
			if not r:is_master () and not r:is_monitor () then set_solo (r, soloed[r:name ()] or 0) end
		end
	end
	if not ok then
		print ("Second Ear: the export failed (see Ardour's log)")
		return
	end

	local path = ARDOUR.LuaAPI.build_filename (folder, base .. ".wav")
	local osc = ARDOUR.LuaOSC.Address (url)
	if role ~= "" then
		osc:send ("/secondear/analyze", "sss", name, path, role)
	else
		osc:send ("/secondear/analyze", "ss", name, path)
	end
	print ("Second Ear: exported " .. path .. " and asked " .. url .. " to analyze it")
end end
