// Debian's kernel sources (pinned in recipes/debian-pins.json). Both speak batman-adv compat 15.
import { pins } from '../pins.ts';

export type KernelSeries = '6.12' | '6.1';
export const kernelSeries: KernelSeries[] = ['6.12', '6.1'];

/** The pinned linux-source package of a series (the pin file is read on first use). */
export const kernelSource = (series: KernelSeries) => pins.deb(`linux-source-${series}`);
