/* stb_impl.c — the single translation unit holding stb_image and
 * stb_image_write (Debian's libstb-dev), built without -Werror.
 *
 * Only the JPEG and PNG decoders are compiled in: datasets are JPEG/PNG
 * folders, and stb decides the format by content, not by name, so a file
 * called x.png holding a GIF, PSD, TGA, HDR, PIC or PNM would otherwise
 * reach decoders with published memory-safety bugs in this stb version
 * (CVE-2021-42715/42716, CVE-2023-45661..45667). */
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STB_IMAGE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
