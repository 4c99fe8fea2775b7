// SecondEarHang: the shared test plugin with SECONDEAR_MISBEHAVIOUR = SECONDEAR_HANG
// (set in DistrhoPluginInfo.h); see ../common/SecondEarTestPlugin.hpp.
#include "DistrhoPluginInfo.h"
#include "../common/SecondEarTestPlugin.hpp"
