/*
 * spell.h - how TensorFlow, Keras, PyTorch and ONNX spell one configuration of conv2d or
 * conv2d_transpose, or why one of them cannot. Each framework's own rules live here, written from
 * its documented formulas (Keras's output_padding, PyTorch's crop of p at the start and p - output_padding
 * at the end, ONNX's pads / output_padding / output_shape); sizes come from the library's geometry.
 */
#ifndef TCONV_CLI_SPELL_H
#define TCONV_CLI_SPELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tconv.h"

enum spell_framework { SPELL_TENSORFLOW, SPELL_KERAS, SPELL_PYTORCH, SPELL_ONNX };
#define SPELL_FRAMEWORKS 4

/* "TensorFlow", "Keras", "PyTorch", "ONNX" */
extern const char *const spell_framework_names[SPELL_FRAMEWORKS];

/*
 * How fw spells conv2d (transposed false) or conv2d_transpose with parameters p, whose geometry g the
 * library resolved: a call such as "tf.nn.conv2d(x, w, strides=[1,2,2,1], padding='SAME')", or
 * "not expressible: ..." with the reason. Written into buf as snprintf does (always terminated when
 * len > 0); returns the length the whole text needs.
 */
size_t spell(enum spell_framework fw, bool transposed, const struct tconv_params *p, const struct tconv_geometry *g,
             char *buf, size_t len);

/* The four spellings, one line each: indent, the framework's name in 12 columns, the spelling. */
void spell_print(FILE *f, bool transposed, const struct tconv_params *p, const struct tconv_geometry *g,
                 const char *indent);

#endif
