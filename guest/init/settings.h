/* `/path=value` parameters: sysfs paths of batman-adv's old interface become batctl
 * (netlink) settings; any other path is written as a file. */
#ifndef BATU_SETTINGS_H
#define BATU_SETTINGS_H
/* Returns 0, or -1 after printing one error line naming the parameter. */
int apply_write(const char *path, const char *value);
/* A setting of bat0 itself that batctl applies (batman-adv without sysfs): it can be made
 * before any hard interface joins. */
int is_mesh_setting(const char *path);
/* A setting of one of bat0's hard interfaces (…/<if>/batman_adv/<knob>). */
int is_hardif_setting(const char *path);
/* Run batctl with argv (NULL-terminated, without argv[0]); its output goes to `out`. */
int batctl_capture(const char *const args[], char *out, int outlen);
#endif
