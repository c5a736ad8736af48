/** jsfive ships no types: the reader (src/io/hdf5.ts) describes the little it uses of it. */
declare module 'jsfive';
