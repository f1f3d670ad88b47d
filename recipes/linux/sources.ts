// Debian's kernel sources (pinned in recipes/debian-pins.json). Both speak batman-adv compat 15.
import { pins } from '../pins.ts';

export const kernelSources = { '6.12': pins.deb('linux-source-6.12'), '6.1': pins.deb('linux-source-6.1') };
export type KernelSeries = keyof typeof kernelSources;
