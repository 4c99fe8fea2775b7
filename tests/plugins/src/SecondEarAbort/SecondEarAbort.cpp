// SecondEarAbort: the shared test plugin with SECONDEAR_MISBEHAVIOUR = SECONDEAR_ABORT
// (set in DistrhoPluginInfo.h); see ../common/SecondEarTestPlugin.hpp.
#include "DistrhoPluginInfo.h"
#include "../common/SecondEarTestPlugin.hpp"
