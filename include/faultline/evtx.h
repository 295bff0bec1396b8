/*
** EVTX reader public API (filled in by the EVTX reader work).
*/
#ifndef FAULTLINE_EVTX_H
#define FAULTLINE_EVTX_H
#endif
