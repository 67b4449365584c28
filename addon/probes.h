// The --check probe: tries each requirement in a child process and prints "name ok" or
// "name no <reason>" lines on stdout; `lower` is the directory to try as an overlay layer.
// Returns 0 when everything needed works.
#pragma once

int ProbeKernel(const char* lower);
