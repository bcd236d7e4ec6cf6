/* The plugin ABI is the header; this file gives the C target a translation unit. */
#include "losskit_plugin.h"
