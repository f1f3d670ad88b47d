/* The store's example: a static program built with musl-gcc against the kernel's
 * uapi headers of the pinned kernel source. */
#include <stdio.h>
#include <linux/version.h>

int main(void)
{
	printf("hello from batu, built against Linux uapi %d.%d.%d\n",
	       LINUX_VERSION_CODE >> 16, (LINUX_VERSION_CODE >> 8) & 0xff, LINUX_VERSION_CODE & 0xff);
	return 0;
}
