//! `code_table!`: one place that turns a table of (variant, number, FHIR code,
//! words) into an enum with [`Code`](super::Code).

macro_rules! code_table {
    (
        $(#[$meta:meta])*
        $name:ident, $table:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $number:literal, $fhir:literal, $words:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $crate::codes::Code for $name {
            const TABLE: &'static str = $table;
            const ALL: &'static [Self] = &[ $( $name::$variant, )+ ];
            fn number(self) -> u8 {
                match self { $( $name::$variant => $number, )+ }
            }
            fn fhir_code(self) -> &'static str {
                match self { $( $name::$variant => $fhir, )+ }
            }
            fn describe(self) -> &'static str {
                match self { $( $name::$variant => $words, )+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::codes::Code::fhir_code(*self))
            }
        }
    };
}

pub(crate) use code_table;
