"""Report online harassment of women and children in Pakistan to the NCCIA, in Urdu or English."""
