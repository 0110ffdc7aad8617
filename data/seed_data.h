/*
 * seed_data.h - the numbers printed in ../shared/seeds/, transcribed once: what `tconv demo` shows
 * and what the tests assert. Each block names its seed file. Values are as printed (TensorFlow float32
 * output printed with 8 significant digits, numpy float64 input with 9).
 */
#ifndef TCONV_SEED_DATA_H
#define TCONV_SEED_DATA_H

/* 000 "How to transpose a CNN": np.random.seed(1); np.random.rand(1, 4, 4, 1) */
static const double seed000_x[16] = {
    4.17022005e-01, 7.20324493e-01, 1.14374817e-04, 3.02332573e-01, 1.46755891e-01, 9.23385948e-02,
    1.86260211e-01, 3.45560727e-01, 3.96767474e-01, 5.38816734e-01, 4.19194514e-01, 6.85219500e-01,
    2.04452250e-01, 8.78117436e-01, 2.73875932e-02, 6.70467510e-01,
};
/* The 1x1x1x2 kernel (HWIO) read back from the printed dense output: dense[0] / x[0]. */
static const float seed000_kernel[2] = {-0.3991576f, 2.1044393f};
/*
 * "Dense Output / Conv 1x1 Output": tf.layers.dense and tf.layers.conv2d(kernel_size=1) printed
 * side by side, identical. The seed file is cut off after pixel 9's second value; the 9 complete
 * pixels (row-major, 2 channels each) are kept.
 */
#define SEED000_PIXELS 9
static const double seed000_dense[SEED000_PIXELS][2] = {
    {-1.6645750e-01, 8.7759745e-01}, {-2.8752300e-01, 1.5158792e+00}, {-4.5653578e-05, 2.4069485e-04},
    {-1.2067835e-01, 6.3624054e-01}, {-5.8578730e-02, 3.0883884e-01}, {-3.6857653e-02, 1.9432096e-01},
    {-7.4347183e-02, 3.9197329e-01}, {-1.3793319e-01, 7.2721159e-01}, {-1.5837276e-01, 8.3497304e-01},
};

/*
 * 001 "Transpose a CNN (Tensorflow)": the transposes of the dense and of the 1x1 conv,
 * tf.layers.conv2d_transpose(conv_out, 1, (1, 1), (1, 1)) with the same seeded initializer, so
 * its [1,1,1,2] HWOI kernel holds the same two values. (The page lost the minus signs of the
 * exponents: "5.2475062e04" is 5.2475062e-04.)
 */
static const double seed001_transpose[16] = {
    1.9132932e+00, 3.3048427e+00, 5.2475062e-04, 1.3870993e+00, 6.7331469e-01, 4.2364866e-01,
    8.5456026e-01, 1.5854297e+00, 1.8203658e+00, 2.4720864e+00, 1.9232609e+00, 3.1437812e+00,
    9.3802512e-01, 4.0287952e+00, 1.2565404e-01, 3.0760992e+00,
};

/* 002 gist: conv2d_transpose(ones[3,4,4,2], ones[3,3,4,2], [3,8,8,4], strides 2, SAME)[0,...,0] */
static const float seed002_out[8][8] = {
    {2, 2, 4, 2, 4, 2, 4, 2}, {2, 2, 4, 2, 4, 2, 4, 2}, {4, 4, 8, 4, 8, 4, 8, 4}, {2, 2, 4, 2, 4, 2, 4, 2},
    {4, 4, 8, 4, 8, 4, 8, 4}, {2, 2, 4, 2, 4, 2, 4, 2}, {4, 4, 8, 4, 8, 4, 8, 4}, {2, 2, 4, 2, 4, 2, 4, 2},
};

/* 003 "How to understand the conv2d_transpose in tensorflow": VALID, strides 2, output (1,5,5,1) */
static const float seed003_x[2][2] = {{-67, -77}, {-117, -127}};
static const float seed003_filter[3][3] = {{-1, 2, -3}, {4, -5, 6}, {-7, 8, -9}}; /* HWOI, 1 channel */
static const float seed003_out[5][5] = {
    {67, -134, 278, -154, 231},    {-268, 335, -710, 385, -462},   {586, -770, 1620, -870, 1074},
    {-468, 585, -1210, 635, -762}, {819, -936, 1942, -1016, 1143},
};

/* 004 "Why different output of transpose conv2d in Keras and Tensorflow": x [1,2,2,1], ones 3x3, s2 VALID */
static const float seed004_x[4] = {4.5f, 5.4f, 8.1f, 9.0f};

#endif
