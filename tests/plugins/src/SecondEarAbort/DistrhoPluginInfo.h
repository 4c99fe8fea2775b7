/* SecondEarAbort: see ../common/SecondEarTestPlugin.hpp. */
#ifndef DISTRHO_PLUGIN_INFO_H_INCLUDED
#define DISTRHO_PLUGIN_INFO_H_INCLUDED

#define DISTRHO_PLUGIN_BRAND "Second Ear tests"
#define DISTRHO_PLUGIN_NAME  "SecondEarAbort"
#define DISTRHO_PLUGIN_URI   "urn:secondear:tests:SecondEarAbort"
#define DISTRHO_PLUGIN_BRAND_ID  SeTs
#define DISTRHO_PLUGIN_UNIQUE_ID SeAb

#define DISTRHO_PLUGIN_HAS_UI        0
#define DISTRHO_PLUGIN_IS_RT_SAFE    1
#define DISTRHO_PLUGIN_NUM_INPUTS    2
#define DISTRHO_PLUGIN_NUM_OUTPUTS   2
#define DISTRHO_PLUGIN_VST3_CATEGORIES "Fx"

#define SECONDEAR_MISBEHAVIOUR SECONDEAR_ABORT
#define SECONDEAR_UNIQUE_ID d_cconst('S', 'E', 'a', 'b')

#endif
