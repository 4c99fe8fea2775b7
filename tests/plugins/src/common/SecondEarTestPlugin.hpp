/*
 * Second Ear's misbehaving test plugins (DPF, the DISTRHO Plugin Framework).
 *
 * A stereo pass-through effect with one parameter, "trigger" (0..1, default 0). While
 * trigger <= 0.5 the plugin copies its input to its output, so it loads, scans and renders
 * like any well-behaved effect. Once trigger > 0.5 it misbehaves, as SECONDEAR_MISBEHAVIOUR
 * says:
 *   SECONDEAR_ABORT  calls abort() (SIGABRT) when the parameter is set, and in run();
 *   SECONDEAR_HANG   never returns from run() (it sleeps in a loop, so a hung test does
 *                    not burn a CPU core while the host waits for its timeout).
 * The host under test must survive both: tests/bridge/test_plugin_host.py.
 */
#ifndef SECONDEAR_TEST_PLUGIN_HPP
#define SECONDEAR_TEST_PLUGIN_HPP

#include "DistrhoPlugin.hpp"

#include <cstdlib>
#include <cstring>
#include <unistd.h>

#define SECONDEAR_ABORT 1
#define SECONDEAR_HANG 2

START_NAMESPACE_DISTRHO

class SecondEarTestPlugin : public Plugin
{
public:
    SecondEarTestPlugin()
        : Plugin(1, 0, 0),  // 1 parameter, 0 programs, 0 states
          fTrigger(0.0f) {}

protected:
    const char* getLabel() const override { return DISTRHO_PLUGIN_NAME; }
    const char* getDescription() const override { return "Second Ear test plugin that misbehaves on purpose"; }
    const char* getMaker() const override { return "Second Ear tests"; }
    const char* getHomePage() const override { return "https://example.invalid/secondear"; }
    const char* getLicense() const override { return "ISC"; }
    uint32_t getVersion() const override { return d_version(1, 0, 0); }
    int64_t getUniqueId() const override { return SECONDEAR_UNIQUE_ID; }

    void initAudioPort(bool input, uint32_t index, AudioPort& port) override
    {
        port.groupId = kPortGroupStereo;
        Plugin::initAudioPort(input, index, port);
    }

    void initParameter(uint32_t index, Parameter& parameter) override
    {
        if (index != 0)
            return;
        parameter.hints = kParameterIsAutomatable;
        parameter.name = "Trigger";
        parameter.symbol = "trigger";
        parameter.ranges.def = 0.0f;
        parameter.ranges.min = 0.0f;
        parameter.ranges.max = 1.0f;
    }

    float getParameterValue(uint32_t index) const override
    {
        return index == 0 ? fTrigger : 0.0f;
    }

    void setParameterValue(uint32_t index, float value) override
    {
        if (index != 0)
            return;
        fTrigger = value;
#if SECONDEAR_MISBEHAVIOUR == SECONDEAR_ABORT
        if (value > 0.5f)
            std::abort();
#endif
    }

    void run(const float** inputs, float** outputs, uint32_t frames) override
    {
        if (fTrigger > 0.5f)
        {
#if SECONDEAR_MISBEHAVIOUR == SECONDEAR_ABORT
            std::abort();
#else
            for (;;)
                usleep(10000);
#endif
        }
        for (uint32_t c = 0; c < DISTRHO_PLUGIN_NUM_OUTPUTS; ++c)
            if (outputs[c] != inputs[c])
                std::memcpy(outputs[c], inputs[c], sizeof(float) * frames);
    }

private:
    float fTrigger;

    DISTRHO_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(SecondEarTestPlugin)
};

Plugin* createPlugin()
{
    return new SecondEarTestPlugin();
}

END_NAMESPACE_DISTRHO

#endif
