/*
 * spell_nd.h - how TensorFlow, Keras, PyTorch and ONNX spell a 1-D or 3-D configuration (tf.nn.conv1d,
 * Conv3DTranspose, nn.ConvTranspose1d, ONNX ConvTranspose with per-axis attributes, ...), or why one of them
 * cannot. The rules are spell.c's, per axis; what only the other ranks have (TensorFlow's 1-D and 3-D ops take
 * 'SAME' or 'VALID' only, Keras's padding='causal') lives here. Rank 2 stays with spell.h.
 */
#ifndef TCONV_CLI_SPELL_ND_H
#define TCONV_CLI_SPELL_ND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "spell.h"
#include "tconv.h"

/* fw's spelling of the rank-1 or rank-3 conv (transposed false) or transposed conv p with geometry g; as spell(). */
size_t spell_nd(enum spell_framework fw, bool transposed, const struct tconv_nd_params *p,
                const struct tconv_nd_geometry *g, char *buf, size_t len);

/* The four spellings, one line each, as spell_print(). */
void spell_nd_print(FILE *f, bool transposed, const struct tconv_nd_params *p, const struct tconv_nd_geometry *g,
                    const char *indent);

#endif
