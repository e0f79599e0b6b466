// Package grievance is the DTSEN grievance context (issue 7): citizens'
// objections (sanggah) and update proposals (usul), inclusion reports,
// data corrections, new-registration proposals and village deliberation
// batches, verified in the field by regional officers and decided within a
// deadline. Approved corrections are applied through the owning context's
// API. This module holds so far the domain: the case, its workflow and its
// deadlines.
package grievance
