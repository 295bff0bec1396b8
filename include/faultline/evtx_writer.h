/*
** EVTX writer public API (filled in by the EVTX writer work).
*/
#ifndef FAULTLINE_EVTX_WRITER_H
#define FAULTLINE_EVTX_WRITER_H
#endif
